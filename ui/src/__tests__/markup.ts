// The app's real markup (index.html's body without the script), so tests
// see the elements the app has.
import page from "../../index.html?raw";

export const body = page.slice(page.indexOf("<body>") + 6, page.indexOf("<script"));
