// Đồng Hành dashboard: the reference front end of the public GraphQL API. Every
// figure comes from POST /graphql; a signed-in official's token (kept in
// sessionStorage for this tab only) shows the counts only officials may see.
'use strict';

(function () {
  var TOKEN_KEY = 'donghanh.token';
  var NAME_KEY = 'donghanh.name';
  var ROLE_KEY = 'donghanh.role';
  var SVG = 'http://www.w3.org/2000/svg';

  // ---- Vietnamese number formats -------------------------------------------

  /** Groups digits with dots: "1234567" -> "1.234.567". */
  function grouped(digits) {
    var text = String(digits);
    var negative = text.charAt(0) === '-';
    if (negative) text = text.slice(1);
    var out = '';
    for (var i = 0; i < text.length; i++) {
      if (i > 0 && (text.length - i) % 3 === 0) out += '.';
      out += text.charAt(i);
    }
    return (negative ? '-' : '') + out;
  }

  /** Whole đồng, exactly: "1234567" -> "1.234.567 đ". */
  function dong(amount) {
    return grouped(amount) + ' đ';
  }

  /** Billions with one decimal comma: "70300000000" -> "70,3 tỷ đồng". */
  function billions(amount) {
    var tenths = Math.round(Number(amount) / 1e8);
    var whole = Math.floor(tenths / 10);
    return grouped(whole) + ',' + (tenths % 10) + ' tỷ đồng';
  }

  function percent(rate) {
    return (Math.round(rate * 1000) / 10).toFixed(1).replace('.', ',') + ' %';
  }

  function count(n) {
    return grouped(n);
  }

  function dateTime(iso) {
    var d = new Date(iso);
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return two(d.getDate()) + '/' + two(d.getMonth() + 1) + '/' + d.getFullYear() +
      ' ' + two(d.getHours()) + ':' + two(d.getMinutes());
  }

  // ---- the API --------------------------------------------------------------

  function token() {
    return window.sessionStorage.getItem(TOKEN_KEY);
  }

  function graphql(query, variables) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json' };
    if (token()) headers.Authorization = 'Bearer ' + token();
    return fetch('/graphql', {
      method: 'POST',
      headers: headers,
      body: JSON.stringify({ query: query, variables: variables || {} }),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (body.errors && body.errors.length) {
          var error = new Error(body.errors[0].message);
          error.code = body.errors[0].extensions && body.errors[0].extensions.code;
          throw error;
        }
        return body.data;
      });
    });
  }

  var STATUSES = [
    ['SUBMITTED', 'Đã gửi', true],
    ['ACCEPTED', 'Đưa vào chương trình', false],
    ['ASSIGNED', 'Đã giao xử lý', false],
    ['ANSWERED', 'Đã trả lời', false],
    ['RESOLVED', 'Đã giải quyết', false],
    ['REJECTED', 'Không tiếp nhận', true],
  ];
  var LEVELS = [
    ['NOT_YET', 'Chưa đạt chuẩn'],
    ['STANDARD', 'Đạt chuẩn'],
    ['ADVANCED', 'Nâng cao'],
    ['MODEL', 'Kiểu mẫu'],
  ];

  function dashboardQuery() {
    var statuses = STATUSES.map(function (s) {
      return s[0].toLowerCase() + ': agendaItems(first: 0, filter: {statuses: [' + s[0] + ']}) { totalCount }';
    }).join('\n  ');
    return 'query Dashboard($from: Date!, $to: Date!, $now: DateTime!, $official: Boolean!) {\n' +
      '  programmeOverview { specialCommunes specialCommunesAtNewRuralStandard twinnedSpecialCommunes partners\n' +
      '    contributions { count pledged disbursed outstanding } dialoguesHeld agendaItems agendaItemsAnswered agendaItemsOverdue }\n' +
      '  programmeReport(from: $from, to: $to) {\n' +
      '    communes { specialCommunes byNewRuralLevel { level communes } }\n' +
      '    contributions { byYear { year figures { pledged disbursed } } }\n' +
      '    agendaItems { answered answeredOnTime onTimeRate averageWorkingDaysToAnswer satisfactionRate }\n' +
      '  }\n' +
      '  byCommune: contributionSummary(groupBy: COMMUNE, filter: {specialCommunesOnly: true}) { label totals { pledged disbursed } }\n' +
      '  ' + statuses + '\n' +
      '  agencies(first: 100) { nodes { code name responseStats { assigned answered answeredOnTime onTimeRate overdue } } }\n' +
      '  dialogues(first: 5, filter: {statuses: [SCHEDULED], from: $now}) { nodes { title startsAt venue chair registeredCount capacity } }\n' +
      '  auditEvents(first: 0) @include(if: $official) { totalCount }\n' +
      '  viewer { displayName role }\n' +
      '}';
  }

  // ---- drawing ---------------------------------------------------------------

  function el(name, attributes, text) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svgEl(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** An SVG chart with an accessible name and a focusable figure. */
  function chart(width, height, label) {
    var id = 'chart-' + Math.random().toString(36).slice(2);
    var svg = svgEl('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-labelledby': id, tabindex: '0' });
    svg.appendChild(svgEl('title', { id: id }, label));
    return svg;
  }

  /** The same figures as a table, behind a disclosure, for screen readers and keyboards. */
  function dataTable(headers, rows) {
    var details = el('details');
    details.appendChild(el('summary', {}, 'Xem bảng số liệu'));
    var wrap = el('div', { class: 'scroll' });
    var table = el('table');
    var head = el('tr');
    headers.forEach(function (h, i) { head.appendChild(el('th', { scope: 'col', class: i ? 'num' : '' }, h)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    rows.forEach(function (row) {
      var tr = el('tr');
      row.forEach(function (cell, i) {
        tr.appendChild(i ? el('td', { class: 'num' }, cell) : el('th', { scope: 'row' }, cell));
      });
      body.appendChild(tr);
    });
    wrap.appendChild(table);
    details.appendChild(wrap);
    return details;
  }

  function legend(items) {
    var list = el('ul', { class: 'legend' });
    items.forEach(function (item) {
      var li = el('li');
      li.appendChild(el('span', { class: 'swatch ' + item[0], 'aria-hidden': 'true' }));
      li.appendChild(document.createTextNode(item[1]));
      list.appendChild(li);
    });
    return list;
  }

  function replace(id, nodes) {
    var host = document.getElementById(id);
    host.textContent = '';
    nodes.forEach(function (node) { host.appendChild(node); });
  }

  function figure(list, key, label, value, shown, note) {
    var box = el('div');
    box.appendChild(el('dt', {}, label));
    var dd = el('dd', { 'data-figure': key, 'data-value': String(value) }, shown);
    if (note) dd.appendChild(el('small', {}, note));
    box.appendChild(dd);
    list.appendChild(box);
  }

  function headline(overview) {
    var list = document.getElementById('headline');
    list.textContent = '';
    var c = overview.contributions;
    figure(list, 'specialCommunes', 'Xã đặc thù', overview.specialCommunes, count(overview.specialCommunes));
    figure(list, 'specialCommunesAtNewRuralStandard', 'Đạt chuẩn nông thôn mới', overview.specialCommunesAtNewRuralStandard,
      count(overview.specialCommunesAtNewRuralStandard), 'trên ' + count(overview.specialCommunes) + ' xã đặc thù');
    figure(list, 'twinnedSpecialCommunes', 'Xã đặc thù được kết nghĩa', overview.twinnedSpecialCommunes, count(overview.twinnedSpecialCommunes));
    figure(list, 'partners', 'Doanh nghiệp, cơ quan đồng hành', overview.partners, count(overview.partners));
    figure(list, 'disbursed', 'Đã giải ngân', c.disbursed, billions(c.disbursed), dong(c.disbursed));
    figure(list, 'pledged', 'Đã cam kết', c.pledged, billions(c.pledged), dong(c.pledged));
    figure(list, 'contributions', 'Khoản đóng góp', c.count, count(c.count));
    figure(list, 'dialoguesHeld', 'Hội nghị đối thoại đã tổ chức', overview.dialoguesHeld, count(overview.dialoguesHeld));
    figure(list, 'agendaItems', 'Kiến nghị tiếp nhận', overview.agendaItems, count(overview.agendaItems));
    figure(list, 'agendaItemsAnswered', 'Kiến nghị đã trả lời', overview.agendaItemsAnswered, count(overview.agendaItemsAnswered));
    figure(list, 'agendaItemsOverdue', 'Kiến nghị quá hạn', overview.agendaItemsOverdue, count(overview.agendaItemsOverdue));
  }

  function progress(report) {
    var total = report.communes.specialCommunes || 1;
    var byLevel = {};
    report.communes.byNewRuralLevel.forEach(function (l) { byLevel[l.level] = l.communes; });
    var reached = total - (byLevel.NOT_YET || 0);
    var svg = chart(400, 70, reached + ' trên ' + total + ' xã đặc thù đạt chuẩn nông thôn mới trở lên');
    var x = 0;
    LEVELS.forEach(function (level, i) {
      var n = byLevel[level[0]] || 0;
      var w = (n / total) * 400;
      if (w > 0) {
        var bar = svgEl('rect', { x: x, y: 10, width: w, height: 34, class: 'l' + i });
        bar.appendChild(svgEl('title', {}, level[1] + ': ' + n + ' xã'));
        svg.appendChild(bar);
        if (w > 24) svg.appendChild(svgEl('text', { x: x + w / 2, y: 32, 'text-anchor': 'middle', 'font-size': 13, fill: i > 1 ? '#fff' : '#17202a' }, String(n)));
      }
      x += w;
    });
    svg.appendChild(svgEl('text', { x: 0, y: 64, 'font-size': 13 }, reached + '/' + total + ' xã đạt chuẩn (' + percent(reached / total) + ')'));
    replace('progress', [svg, legend(LEVELS.map(function (l, i) { return ['l' + i, l[1]]; })),
      dataTable(['Mức', 'Số xã'], LEVELS.map(function (l) { return [l[1], count(byLevel[l[0]] || 0)]; }))]);
  }

  /** Grouped bars of pledged and disbursed for labelled groups. */
  function pairs(id, label, groups, horizontal) {
    var max = 1;
    groups.forEach(function (g) { max = Math.max(max, Number(g.pledged), Number(g.disbursed)); });
    var svg;
    if (horizontal) {
      var rowHeight = 30;
      var width = 900;
      svg = chart(width, groups.length * rowHeight + 10, label);
      groups.forEach(function (g, i) {
        var y = i * rowHeight + 4;
        svg.appendChild(svgEl('text', { x: 0, y: y + 15, 'font-size': 14 }, g.label));
        [['pledged', 'Cam kết', 4], ['disbursed', 'Giải ngân', 14]].forEach(function (kind) {
          var w = Math.max(1, (Number(g[kind[0]]) / max) * 560);
          var bar = svgEl('rect', { x: 200, y: y + kind[2], width: w, height: 9, class: 'bar-' + kind[0] });
          bar.appendChild(svgEl('title', {}, g.label + ' — ' + kind[1] + ': ' + dong(g[kind[0]])));
          svg.appendChild(bar);
        });
        svg.appendChild(svgEl('text', { x: width - 4, y: y + 15, 'text-anchor': 'end', 'font-size': 14 }, billions(g.pledged).replace(' đồng', '')));
      });
    } else {
      var height = 220;
      var slot = 400 / Math.max(groups.length, 1);
      svg = chart(400, height + 30, label);
      svg.appendChild(svgEl('line', { x1: 0, y1: height, x2: 400, y2: height, class: 'axis' }));
      groups.forEach(function (g, i) {
        var x = i * slot + slot * 0.15;
        var w = slot * 0.33;
        [['pledged', 'Cam kết', 0], ['disbursed', 'Giải ngân', 1]].forEach(function (kind) {
          var h = (Number(g[kind[0]]) / max) * (height - 20);
          var bar = svgEl('rect', { x: x + kind[2] * w, y: height - h, width: w - 2, height: h, class: 'bar-' + kind[0] });
          bar.appendChild(svgEl('title', {}, g.label + ' — ' + kind[1] + ': ' + dong(g[kind[0]])));
          svg.appendChild(bar);
        });
        svg.appendChild(svgEl('text', { x: x + w, y: height + 18, 'text-anchor': 'middle', 'font-size': 13 }, g.label));
      });
    }
    replace(id, [svg, legend([['pledged', 'Cam kết'], ['disbursed', 'Đã giải ngân']]),
      dataTable(['', 'Cam kết', 'Đã giải ngân'], groups.map(function (g) { return [g.label, dong(g.pledged), dong(g.disbursed)]; }))]);
  }

  function agenda(data, official) {
    var rows = STATUSES.map(function (s) {
      var key = s[0].toLowerCase();
      return { label: s[1], value: data[key].totalCount, hidden: s[2] && !official };
    });
    var max = 1;
    rows.forEach(function (r) { if (!r.hidden) max = Math.max(max, r.value); });
    var svg = chart(400, rows.length * 30 + 6, 'Kiến nghị theo trạng thái');
    rows.forEach(function (r, i) {
      var y = i * 30 + 4;
      svg.appendChild(svgEl('text', { x: 0, y: y + 16, 'font-size': 12 }, r.label));
      if (r.hidden) {
        svg.appendChild(svgEl('text', { x: 150, y: y + 16, 'font-size': 12, fill: '#4d5966' }, 'chỉ cán bộ xem được'));
        return;
      }
      var w = Math.max(1, (r.value / max) * 190);
      var bar = svgEl('rect', { x: 150, y: y + 4, width: w, height: 16, class: 'bar-status' });
      bar.appendChild(svgEl('title', {}, r.label + ': ' + count(r.value)));
      svg.appendChild(bar);
      svg.appendChild(svgEl('text', { x: 155 + w, y: y + 16, 'font-size': 12 }, count(r.value)));
    });
    var nodes = [svg, dataTable(['Trạng thái', 'Số kiến nghị'], rows.map(function (r) { return [r.label, r.hidden ? '—' : count(r.value)]; }))];
    if (!official) nodes.push(el('p', { class: 'note' }, 'Kiến nghị mới gửi hoặc không tiếp nhận chỉ hiện với cán bộ đã đăng nhập.'));
    replace('agenda', nodes);
  }

  function agencies(nodes) {
    var rows = nodes.filter(function (a) { return a.responseStats.assigned > 0; })
      .sort(function (a, b) { return (b.responseStats.onTimeRate || 0) - (a.responseStats.onTimeRate || 0); });
    var wrap = el('div', { class: 'scroll' });
    var table = el('table');
    var head = el('tr');
    ['Cơ quan', 'Được giao', 'Đã trả lời', 'Đúng hạn', 'Quá hạn'].forEach(function (h, i) {
      head.appendChild(el('th', { scope: 'col', class: i ? 'num' : '' }, h));
    });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    rows.forEach(function (a) {
      var s = a.responseStats;
      var tr = el('tr');
      tr.appendChild(el('th', { scope: 'row' }, a.name));
      tr.appendChild(el('td', { class: 'num' }, count(s.assigned)));
      tr.appendChild(el('td', { class: 'num' }, count(s.answered)));
      var rate = el('td', { class: 'num rate-cell' });
      if (s.onTimeRate === null) {
        rate.textContent = '—';
      } else {
        var bar = el('span', { class: 'rate' + (s.onTimeRate < 0.8 ? ' low' : ''), 'aria-hidden': 'true' });
        bar.style.width = Math.round(s.onTimeRate * 60) + 'px';
        rate.appendChild(bar);
        rate.appendChild(document.createTextNode(' ' + percent(s.onTimeRate)));
      }
      tr.appendChild(rate);
      tr.appendChild(el('td', { class: 'num' }, count(s.overdue)));
      body.appendChild(tr);
    });
    wrap.appendChild(table);
    replace('agencies', [wrap]);
  }

  function dialogues(nodes) {
    if (!nodes.length) {
      replace('dialogues', [el('p', {}, 'Chưa có hội nghị đối thoại nào được lên lịch.')]);
      return;
    }
    var list = el('ul', { class: 'dialogues' });
    nodes.forEach(function (d) {
      var li = el('li');
      li.appendChild(el('strong', {}, d.title));
      li.appendChild(el('div', {}, dateTime(d.startsAt) + ' — ' + d.venue));
      li.appendChild(el('div', { class: 'note' }, 'Chủ trì: ' + d.chair + '. Đã đăng ký: ' + count(d.registeredCount) +
        (d.capacity ? ' / ' + count(d.capacity) : '') + ' doanh nghiệp.'));
      list.appendChild(li);
    });
    replace('dialogues', [list]);
  }

  function privateFigures(data, official) {
    var section = document.getElementById('private');
    section.hidden = !official;
    if (!official) return;
    var list = document.getElementById('private-figures');
    list.textContent = '';
    figure(list, 'submitted', 'Kiến nghị mới gửi, chờ xem xét', data.submitted.totalCount, count(data.submitted.totalCount));
    figure(list, 'rejected', 'Kiến nghị không tiếp nhận', data.rejected.totalCount, count(data.rejected.totalCount));
    figure(list, 'auditEvents', 'Thao tác trong nhật ký', data.auditEvents.totalCount, count(data.auditEvents.totalCount));
  }

  // ---- loading -----------------------------------------------------------------

  function isoDay(d) {
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate());
  }

  function load() {
    var status = document.getElementById('status');
    var now = new Date();
    var from = (now.getFullYear() - 3) + '-01-01';
    var to = isoDay(now);
    var role = token() ? window.sessionStorage.getItem(ROLE_KEY) : null;
    var official = role === 'OFFICIAL' || role === 'ADMIN';
    document.getElementById('report-page').href = '/reports/programme?from=' + from + '&to=' + to;
    document.getElementById('report-xlsx').href = '/exports/report.xlsx?from=' + from + '&to=' + to;
    document.body.setAttribute('data-state', 'loading');
    return graphql(dashboardQuery(), { from: from, to: to, now: now.toISOString(), official: official })
      .then(function (data) {
        var seesPrivate = official && data.auditEvents !== undefined && data.auditEvents !== null;
        headline(data.programmeOverview);
        progress(data.programmeReport);
        pairs('years', 'Cam kết và giải ngân theo năm', data.programmeReport.contributions.byYear.map(function (y) {
          return { label: String(y.year), pledged: y.figures.pledged, disbursed: y.figures.disbursed };
        }), false);
        pairs('communes', 'Cam kết và giải ngân của 10 xã đặc thù nhận nhiều nhất', data.byCommune.slice(0, 10).map(function (g) {
          return { label: g.label, pledged: g.totals.pledged, disbursed: g.totals.disbursed };
        }), true);
        agenda(data, seesPrivate);
        agencies(data.agencies.nodes);
        dialogues(data.dialogues.nodes);
        privateFigures(data, seesPrivate);
        var report = data.programmeReport.agendaItems;
        status.textContent = 'Số liệu từ ' + from.split('-').reverse().join('/') + ' đến nay. ' +
          (report.onTimeRate === null ? '' : 'Tỷ lệ trả lời kiến nghị đúng hạn: ' + percent(report.onTimeRate) + '. ') +
          (report.averageWorkingDaysToAnswer === null ? '' : 'Trung bình ' +
            report.averageWorkingDaysToAnswer.toFixed(1).replace('.', ',') + ' ngày làm việc để trả lời.');
        document.body.setAttribute('data-state', 'ready');
      })
      .catch(function (error) {
        if (error.code === 'UNAUTHENTICATED' && token()) {
          signOut('Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.');
          return load();
        }
        status.textContent = 'Không tải được số liệu: ' + error.message;
        document.body.setAttribute('data-state', 'error');
        return undefined;
      });
  }

  // ---- signing in --------------------------------------------------------------

  function showSignedIn() {
    var signedIn = token() !== null;
    document.getElementById('signin').hidden = signedIn;
    document.getElementById('who').hidden = !signedIn;
    document.getElementById('who-name').textContent = signedIn ? 'Đã đăng nhập: ' + (window.sessionStorage.getItem(NAME_KEY) || '') : '';
  }

  function signOut(message) {
    window.sessionStorage.removeItem(TOKEN_KEY);
    window.sessionStorage.removeItem(NAME_KEY);
    window.sessionStorage.removeItem(ROLE_KEY);
    document.getElementById('signin-message').textContent = message || 'Đã đăng xuất.';
    showSignedIn();
  }

  function start() {
    document.getElementById('signin').addEventListener('submit', function (event) {
      event.preventDefault();
      var message = document.getElementById('signin-message');
      message.textContent = 'Đang đăng nhập…';
      graphql('mutation SignIn($input: LoginInput!) { login(input: $input) { token viewer { displayName role } userErrors { message } } }', {
        input: { email: document.getElementById('email').value, password: document.getElementById('password').value },
      }).then(function (data) {
        var login = data.login;
        if (!login.token) {
          message.textContent = login.userErrors.length ? login.userErrors[0].message : 'Không đăng nhập được.';
          return undefined;
        }
        window.sessionStorage.setItem(TOKEN_KEY, login.token);
        window.sessionStorage.setItem(NAME_KEY, login.viewer.displayName);
        window.sessionStorage.setItem(ROLE_KEY, login.viewer.role);
        document.getElementById('password').value = '';
        message.textContent = 'Đã đăng nhập.';
        showSignedIn();
        return load();
      }).catch(function (error) {
        message.textContent = 'Không đăng nhập được: ' + error.message;
      });
    });
    document.getElementById('signout').addEventListener('click', function () {
      signOut();
      load();
    });
    showSignedIn();
    load();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
