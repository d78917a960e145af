// OpenRouter's own TypeScript SDK (@openrouter/sdk) against a running
// aimodels server, as an application pointed at aimodels instead of
// OpenRouter would use it.
//
// Run by test/e2e (TestOpenRouterNodeSDK), which starts the fake OpenRouter
// and the aimodels binary with a stored key, a text model selected and the
// prompt "reply-to-customer" stored, then sets:
//   AIMODELS_URL    the server's root URL, such as http://127.0.0.1:8080
//   AIMODELS_TOKEN  the server's admin token (sent as the API key)
//
// The SDK has no extra-body option: its request types are zod schemas that
// drop members they do not know. Its HTTPClient's beforeRequest hook (the
// SDK's documented way to change a request) adds aimodels' prompt and
// variables to the chat body.
//
// chat.send is used with stream: true. Without it, SDK 1.3.19 refuses the
// chat completion body of the fake (a recorded OpenRouter answer, which has
// no system_fingerprint; the SDK requires one) before aimodels is involved:
// aimodels passes OpenRouter's body through unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenRouter, HTTPClient } from '@openrouter/sdk';

const url = process.env.AIMODELS_URL;
const token = process.env.AIMODELS_TOKEN;
if (!url || !token) {
  throw new Error('set AIMODELS_URL and AIMODELS_TOKEN');
}
const serverURL = url.replace(/\/+$/, '') + '/api/v1';

// withPrompt returns an SDK whose chat requests name prompt and variables.
function withPrompt(prompt, variables) {
  const httpClient = new HTTPClient();
  httpClient.addHook('beforeRequest', async (req) => {
    if (req.method !== 'POST' || !new URL(req.url).pathname.endsWith('/chat/completions')) return req;
    const body = await req.clone().json();
    return new Request(req, { body: JSON.stringify({ ...body, prompt, variables }) });
  });
  return new OpenRouter({ serverURL, apiKey: token, httpClient, retryConfig: { strategy: 'none' }, timeoutMs: 30_000 });
}

test('models.list pages through the aliases, then the catalog', async () => {
  const sdk = new OpenRouter({ serverURL, apiKey: token, retryConfig: { strategy: 'none' } });
  const ids = [];
  let total = null;
  let pages = 0;
  for await (const page of await sdk.models.list()) {
    pages++;
    total = page.result.totalCount;
    for (const m of page.result.data) {
      // The SDK validated every entry against OpenRouter's model schema.
      assert.equal(typeof m.canonicalSlug, 'string');
      assert.ok(Array.isArray(m.architecture.inputModalities));
      assert.equal(typeof m.pricing.prompt, 'string');
      ids.push(m.id);
    }
  }
  assert.deepEqual(ids.slice(0, 3), ['text', 'image', 'audio']);
  assert.equal(ids.length, total, `total_count ${total}, ${ids.length} listed`);
  assert.ok(pages >= 2, `${pages} pages: the SDK asks 500 at a time and the list is longer`);
  assert.ok(ids.slice(3).every((id) => id.includes('/')), 'catalog ids after the aliases');
  assert.equal(new Set(ids).size, ids.length, 'no model twice across the pages');
});

test('chat.send names a stored prompt with variables', async () => {
  const sdk = withPrompt('reply-to-customer', { customer: 'Анна', tone: 'warm' });
  const stream = await sdk.chat.send({
    chatRequest: { model: 'text', stream: true, messages: [{ role: 'user', content: 'Where is my order?' }] },
  });
  let content = '';
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    content += chunk.choices?.[0]?.delta?.content ?? '';
  }
  assert.ok(chunks > 0, 'at least one chunk');
  assert.ok(content.length > 0, 'the chunks carry content');
});

test('chat.send with an unknown prompt is a 404', async () => {
  // aimodels' error body ({"error":{"code":"not_found",…}}: a string code)
  // is not OpenRouter's (a number), so the SDK reports a
  // ResponseValidationError that still carries the status and the body.
  const sdk = withPrompt('no-such-prompt', {});
  await assert.rejects(
    sdk.chat.send({ chatRequest: { model: 'text', stream: true, messages: [{ role: 'user', content: 'hi' }] } }),
    (err) => {
      assert.equal(err.statusCode, 404, `${err.name}: ${err.message}`);
      assert.equal(JSON.parse(err.body).error.code, "not_found");
      return true;
    },
  );
});
