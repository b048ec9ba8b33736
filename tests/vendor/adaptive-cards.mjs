// Every Adaptive Card the relay sends, checked by Microsoft's own parser
// (the adaptivecards package). Input (argv[2], JSON): [{name, message}],
// each message a Bot Framework activity with card attachments. Output
// (stdout, JSON): one {name, problems: [...]} per message; no problems
// means the card parsed with no warning, validated, and serialised back
// exactly as sent (a property the parser does not know would be dropped).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";

const require = createRequire(import.meta.url);
// The package's lib/ is ES modules node cannot resolve; dist/ is the bundle.
const AC = require("adaptivecards/dist/adaptivecards.js");

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = [];
for (const { name, message } of input) {
  const problems = [];
  if (message.type !== "message") problems.push(`activity type ${message.type}`);
  const attachments = Array.isArray(message.attachments) ? message.attachments : [];
  if (attachments.length === 0) problems.push("no attachments");
  for (const a of attachments) {
    if (a.contentType !== "application/vnd.microsoft.card.adaptive") {
      problems.push(`contentType ${a.contentType}`);
      continue;
    }
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext();
    card.parse(a.content, context);
    for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
    for (const e of card.validateProperties().validationEvents) problems.push(e.message);
    const back = card.toJSON();
    if (!isDeepStrictEqual(back, a.content)) {
      problems.push(`not kept as sent: sent ${JSON.stringify(a.content)}, parsed ${JSON.stringify(back)}`);
    }
  }
  out.push({ name, problems });
}
process.stdout.write(JSON.stringify(out));
