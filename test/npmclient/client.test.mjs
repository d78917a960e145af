// The official openai npm client against a running aimodels server.
//
// Run by test/e2e (TestOpenAINodeClient), which starts the fake OpenRouter
// and the aimodels binary with a stored key, then sets:
//   AIMODELS_URL    the server's root URL, such as http://127.0.0.1:8080
//   AIMODELS_TOKEN  the server's admin token (sent as the API key)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const url = process.env.AIMODELS_URL;
const token = process.env.AIMODELS_TOKEN;
if (!url || !token) {
  throw new Error('set AIMODELS_URL and AIMODELS_TOKEN');
}

const client = new OpenAI({
  baseURL: url.replace(/\/+$/, '') + '/api/v1',
  apiKey: token,
  maxRetries: 0,
  timeout: 30_000,
});

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say hello.' },
];

test('chat.completions.create with model "text"', async () => {
  const res = await client.chat.completions.create({ model: 'text', messages });
  assert.equal(typeof res.id, 'string');
  assert.ok(Array.isArray(res.choices) && res.choices.length > 0, 'at least one choice');
  const msg = res.choices[0].message;
  assert.equal(msg.role, 'assistant');
  assert.equal(typeof msg.content, 'string');
  assert.ok(msg.content.length > 0, 'non-empty content');
  // The server resolved "text" to the selected model id.
  assert.match(res.model, /\//, `model ${res.model} should be an OpenRouter id`);
});

test('chat.completions.create with stream:true', async () => {
  const stream = await client.chat.completions.create({ model: 'text', messages, stream: true });
  let chunks = 0;
  let content = '';
  let finish = null;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    for (const ch of chunk.choices ?? []) {
      content += ch.delta?.content ?? '';
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  assert.ok(chunks > 0, 'at least one chunk');
  assert.ok(content.length > 0, 'the chunks carry content');
  assert.equal(finish, 'stop', 'the stream ends normally');
});

test('a wrong token is refused with 401', async () => {
  const bad = new OpenAI({ baseURL: url.replace(/\/+$/, '') + '/api/v1', apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(
    bad.chat.completions.create({ model: 'text', messages }),
    (err) => err instanceof OpenAI.AuthenticationError && err.status === 401,
  );
});

test('models.list starts with the aliases, then the catalog', async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.object, 'model');
    ids.push(m.id);
  }
  assert.deepEqual(ids.slice(0, 3), ['text', 'image', 'audio']);
  assert.ok(ids.length > 100, `${ids.length} models listed`);
  assert.ok(ids.slice(3).every((id) => id.includes('/')), 'catalog ids after the aliases');
  const text = await client.models.retrieve('text');
  assert.equal(text.id, 'text');
  assert.match(text.alias_for, /\//, 'the alias names the model it resolves to');
});
