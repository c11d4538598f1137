// Screenshots of what a user sees (see script/screenshots): the config flow, the entry, the
// Add voice menu, a voice's settings and the clone form. Arguments: one JSON object (url, token, refresh, out).
import { chromium } from "playwright-core";

const a = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
// Nothing may leave this machine: every request not to Home Assistant on loopback is refused
// in the browser, before any connection (brand icons, map tiles).
await page.route("**/*", (route) =>
  route.request().url().startsWith(a.url) ? route.continue() : route.abort());
// Logged in as the owner: the frontend finds its tokens in localStorage on every page.
await page.addInitScript((a) => localStorage.setItem("hassTokens", JSON.stringify({
  access_token: a.token, refresh_token: a.refresh, token_type: "Bearer", expires_in: 1800,
  hassUrl: a.url, clientId: a.url + "/", expires: Date.now() + 1800000,
})), a);
const shot = async (name) => {
  await page.waitForTimeout(1500);  // the dialog's animation settles
  await page.screenshot({ path: `${a.out}/${name}.png` });
};
try {
if (a.step === "flow") {
  await page.goto(`${a.url}/config/integrations/dashboard/add?domain=qwen_tts`);
  await page.getByRole("button", { name: "OK" }).click();  // "Do you want to set up Qwen TTS?"
  await page.getByRole("button", { name: "Submit" }).waitFor({ timeout: 60000 });
  await shot("config-flow");
} else {
  await page.goto(`${a.url}/config/integrations/integration/qwen_tts`);
  const add = page.getByRole("button", { name: /add voice/i }).first();
  await add.waitFor({ timeout: 60000 });
  await shot("integration");
  await add.click();
  const system = page.getByText("A voice of a model").first();
  await system.waitFor({ timeout: 30000 });
  await shot("add-voice");
  await system.click();
  const next = page.getByRole("button", { name: /submit|next/i }).last();
  await next.waitFor({ timeout: 30000 });
  await next.click();
  await page.getByText("Voice and delivery").first().waitFor({ timeout: 30000 });
  await shot("voice-settings");
  const fallback = page.getByText("Fallback voice").first();
  await fallback.scrollIntoViewIfNeeded({ timeout: 30000 });
  await shot("voice-fallback");
  await page.goto(`${a.url}/config/integrations/integration/qwen_tts`);
  await add.waitFor({ timeout: 60000 });
  await add.click();
  const clone = page.getByText("Clone a voice from a recording").first();
  await clone.waitFor({ timeout: 30000 });
  await clone.click();
  await page.getByText("Upload 10 to 60 seconds").first().waitFor({ timeout: 30000 });
  await shot("clone-voice");
}
} catch (error) {
  await page.screenshot({ path: `${a.out}/failed-${a.step}.png` });  // what went wrong
  throw error;
}
await browser.close();
