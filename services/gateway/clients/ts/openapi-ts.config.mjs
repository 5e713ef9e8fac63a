// @hey-api/openapi-ts settings for the gateway's committed document. The client test
// (tests/e2e/test_generated_clients.py) passes the document and a temporary output folder
// in TNCAM_OPENAPI and TNCAM_TS_OUTPUT, then compiles the result with tsc --noEmit.
export default {
  input: process.env.TNCAM_OPENAPI ?? "../../openapi.json",
  output: process.env.TNCAM_TS_OUTPUT ?? "generated",
  plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
};
