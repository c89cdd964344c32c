// Starts GraphiQL on the page; a file of its own, so the page's
// Content-Security-Policy can refuse every inline script.
(function () {
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql/ws',
  });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
      defaultQuery: '# Đồng Hành GraphQL API\n{\n  __typename\n}\n',
    }),
  );
})();
