// Starts GraphiQL on the page; a file of its own, so the page's
// Content-Security-Policy can refuse every inline script.
(function () {
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql/ws',
  });
  // The guided example: what the API holds, and how to sign in.
  var guide = [
    '# Đồng Hành — API GraphQL của chương trình đồng hành cùng doanh nghiệp.',
    '#',
    '# Nhấn ▶ (hoặc Ctrl-Enter) để chạy truy vấn dưới đây: số liệu tổng quan của',
    '# chương trình, ai cũng xem được. Mở "Docs" bên trái để xem mọi kiểu và trường.',
    '#',
    '# Đăng nhập (sign in) với tài khoản mẫu khi chạy `serve --demo`; mật khẩu của cả ba:',
    '#   dong-hanh-demo-2026',
    '#   quantri@demo.donghanh.vn     (ADMIN, quản trị)',
    '#   canbo@demo.donghanh.vn       (OFFICIAL, cán bộ)',
    '#   doanhnghiep@demo.donghanh.vn (FIRM, doanh nghiệp)',
    '# 1. Mở thẻ thứ hai ("SignIn") và chạy mutation login.',
    '# 2. Chép "token" vào ô Headers phía dưới:',
    '#      { "Authorization": "Bearer <token>" }',
    '# 3. Chạy lại truy vấn: cán bộ thấy thêm kiến nghị mới gửi, nhật ký, đăng ký.',
    '',
    '{',
    '  programmeOverview {',
    '    specialCommunes',
    '    specialCommunesAtNewRuralStandard',
    '    contributions { count pledged disbursed }',
    '    dialoguesHeld',
    '    agendaItems',
    '    agendaItemsAnswered',
    '  }',
    '  viewer { displayName role }',
    '}',
    '',
  ].join('\n');
  var signIn = [
    '# Đăng nhập: token trả về dùng trong Headers: { "Authorization": "Bearer <token>" }',
    'mutation SignIn($input: LoginInput!) {',
    '  login(input: $input) {',
    '    token',
    '    expiresAt',
    '    viewer { displayName role }',
    '    userErrors { field message code }',
    '  }',
    '}',
    '',
  ].join('\n');
  var signInVariables = JSON.stringify(
    { input: { email: 'canbo@demo.donghanh.vn', password: 'dong-hanh-demo-2026' } },
    null,
    2,
  );
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
      defaultQuery: guide,
      defaultTabs: [
        { query: guide },
        { query: signIn, variables: signInVariables },
      ],
    }),
  );
})();
