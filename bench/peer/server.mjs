// Serves PostGraphile on Node's own HTTP server, as its library mode documents.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import preset from "./graphile.config.mjs";

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
serv.addTo(server).catch((error) => {
  console.error(error);
  process.exit(1);
});
server.listen(preset.grafserv.port, preset.grafserv.host, () => {
  console.log(`PostGraphile listening on http://${preset.grafserv.host}:${preset.grafserv.port}/graphql`);
});
