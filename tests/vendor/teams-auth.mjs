// Microsoft's Bot Framework SDK judges the same requests our Teams endpoint
// judges. Input (argv[2], JSON): {metadata_url, app_id, cases: [{name,
// authorization, channel_id, service_url}]}. Output (stdout, JSON): one
// {name, accepted, reason} per case, in order.
//
// The SDK's path for a channel's request is JwtTokenValidation
// .authenticateRequest → ChannelValidation.authenticateChannelTokenWithServiceUrl;
// ChannelValidation.OpenIdMetadataEndpoint points it at the test's identity
// provider instead of login.botframework.com.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { ChannelValidation, JwtTokenValidation, SimpleCredentialProvider } = require("botframework-connector");

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
ChannelValidation.OpenIdMetadataEndpoint = input.metadata_url;
const credentials = new SimpleCredentialProvider(input.app_id, "");
// The SDK logs every refusal with console.error; the verdicts go to stdout.
console.error = () => {};

const out = [];
for (const c of input.cases) {
  const activity = { type: "message", channelId: c.channel_id, serviceUrl: c.service_url };
  try {
    await JwtTokenValidation.authenticateRequest(activity, c.authorization ?? "", credentials, "");
    out.push({ name: c.name, accepted: true, reason: null });
  } catch (e) {
    out.push({ name: c.name, accepted: false, reason: String(e && e.message) });
  }
}
process.stdout.write(JSON.stringify(out));
