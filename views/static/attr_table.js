/* 属性表's rows (views/table.py): a plain HTML table drawn from the server's page of rows; every cell set with textContent. */
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector('.ct');
  if (!root) { root = document.createElement('div'); root.className = 'ct'; parentElement.appendChild(root); }
  root.textContent = '';
  const send = (value) => setTriggerValue('event', value);
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  const all = document.createElement('input');
  all.type = 'checkbox'; all.title = '选择本页全部'; all.checked = data.rows.length > 0 && data.rows.every(r => r.on);
  all.onchange = () => send({kind: 'page', on: all.checked});
  head.appendChild(document.createElement('th')).appendChild(all);
  head.appendChild(document.createElement('th')).textContent = '';
  data.columns.forEach((col) => {
    const th = document.createElement('th');
    th.textContent = col + (data.sort === col ? (data.desc ? ' ▼' : ' ▲') : '');
    th.title = '点击按此列排序';
    th.className = 'sortable';
    th.onclick = () => send({kind: 'sort', column: col});
    head.appendChild(th);
  });
  const body = table.createTBody();
  data.rows.forEach((r) => {
    const tr = body.insertRow();
    tr.dataset.id = r.id;
    if (r.on) tr.className = 'on';
    const box = document.createElement('input');
    box.type = 'checkbox'; box.checked = r.on; box.title = '选择此行';
    box.onchange = () => send({kind: 'toggle', id: r.id, on: box.checked});
    tr.insertCell().appendChild(box);
    const zoom = document.createElement('button');
    zoom.type = 'button'; zoom.textContent = '定位'; zoom.title = '在地图上定位此要素';
    zoom.onclick = () => send({kind: 'zoom', id: r.id});
    tr.insertCell().appendChild(zoom);
    r.cells.forEach((text, i) => { const td = tr.insertCell(); td.textContent = text; if (data.numeric[i]) td.className = 'n'; });
  });
  if (!data.rows.length) {
    const td = body.insertRow().insertCell();
    td.colSpan = data.columns.length + 2; td.textContent = '没有符合条件的要素。'; td.className = 'empty';
  }
  root.appendChild(table);
}
