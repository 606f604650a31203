"""Implementation tracking's files: the lead units' progress workbooks (template.py) and the monthly 通报
(bulletin.py as data, bulletin_xlsx.py and bulletin_pdf.py as files)."""
