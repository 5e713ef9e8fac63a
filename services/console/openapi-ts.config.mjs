// @hey-api/openapi-ts settings: the console's typed client of the gateway's committed
// document (`npm run generate`; `make proto-check` fails when src/api is stale).
export default {
  input: process.env.TNCAM_OPENAPI ?? "../gateway/openapi.json",
  output: process.env.TNCAM_TS_OUTPUT ?? "src/api",
  plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
};
