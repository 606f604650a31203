// Streamlit's own English texts, said in Chinese on every page (views/__init__.py sends this once per run; it installs
// itself once per browser tab): the file uploader's button, drop hint, size limit — the number is Streamlit's own, from
// the uploader's max_upload_size, i.e. core/inputs.py UPLOAD_MB — and refusals, an empty date's placeholders, the
// skip link and the running indicator. A text is
// replaced where it stands (never a second text beside it), again whenever Streamlit draws it anew.
(() => {
  if (window.chaohuChinese) return;
  window.chaohuChinese = true;
  const size = (n, unit) => `${n} ${unit}`;
  // Where Streamlit writes these texts (nothing of the office's data is looked at: a file's name is never changed).
  const UPLOADER = '[data-testid="stFileUploader"]';
  const DROPZONE = '[data-testid="stFileUploaderDropzone"]';
  const BUTTON = `${DROPZONE} button`;
  const HINT = '[data-testid="stFileUploaderDropzoneInstructions"]';
  // A refused file's message: read out beside its chip, shown in a tooltip over it (drawn apart, at the page's end).
  const REFUSED = `${UPLOADER}, [data-testid="stTooltipErrorContent"]`;
  const DATE = '[data-testid="stDateInputField"] [data-placeholder="true"]';
  const SKIP = '[data-testid="stSkipToContent"]';
  const STATUS = '[data-testid="stStatusWidget"]';
  const TEXTS = [
    [BUTTON, /^(Upload|Browse files)$/, () => "选择文件"],
    [HINT, /^Drag and drop (files|a file|directories)? ?here$/, () => "拖放文件到此处"],
    [HINT, /^([\d.]+)\s*([KMGT]?B) per file\b.*$/, (m) => `单个文件不超过 ${size(m[1], m[2])}`],
    [HINT, /^•\s*[A-Z0-9, ]+$/, () => ""], // the accepted types: the uploader's label and help say them in words
    [REFUSED, /^File must be ([\d.]+)\s*([KMGT]?B) or smaller\.?$/, (m) => `文件过大：单个文件不超过 ${size(m[1], m[2])}，未上传。`],
    [REFUSED, /^(.+) files are not allowed\.?$/, (m) => `不接受 ${m[1]} 格式的文件。`],
    [REFUSED, /^File type not allowed\.?$/, () => "不接受此类文件。"],
    [UPLOADER, /^Error:$/, () => "错误："],
    [UPLOADER, /^add icon$/, () => "添加文件"],
    [DATE, /^yyyy$/, () => "年"], // an empty date's placeholders
    [DATE, /^mm$/, () => "月"],
    [DATE, /^dd$/, () => "日"],
    [SKIP, /^Skip to main content$/, () => "跳到主要内容"],
    [STATUS, /^Running\.*$/, () => "正在运行…"],
    [STATUS, /^Stop$/, () => "停止"],
  ];
  const PLACES = [REFUSED, DATE, SKIP, STATUS].join(", ");
  const ICON = '[data-testid="stIconMaterial"]'; // a glyph drawn from its name: left alone

  function translate(node) {
    const text = node.nodeValue.trim();
    const element = node.parentElement;
    if (!text || !element || element.closest(ICON)) return;
    for (const [where, pattern, say] of TEXTS) {
      const m = element.closest(where) && text.match(pattern);
      if (m) {
        node.nodeValue = say(m);
        return;
      }
    }
  }

  function walk(element) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) translate(node);
  }

  // A node Streamlit added or changed: its texts when it lies in one of the places, else the places inside it.
  function sweep(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      if (node.parentElement?.closest(PLACES)) translate(node);
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (node.closest(PLACES)) walk(node);
      else node.querySelectorAll(PLACES).forEach(walk);
    }
  }

  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") sweep(record.target);
      else record.addedNodes.forEach(sweep);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  sweep(document.body);
})();
