// The web console's script: sign in with a token, send commands to /api/v1/commands, show answers and progress.
// Served as a file (not inline) so the page's CSP can refuse every inline script.
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem('claw-token') || '', history: [], at: 0 };
$('lang').value = localStorage.getItem('claw-lang') || 'zh';
$('lang').onchange = () => localStorage.setItem('claw-lang', $('lang').value);

// Commands that wait (`--wait`) stream NDJSON: progress lines, then the answer with its HTTP status.
async function run(text, onProgress) {
  const response = await fetch('/api/v1/commands', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson, application/json', authorization: `Bearer ${state.token}`, 'x-claw-client': 'web' },
    body: JSON.stringify({ text, locale: $('lang').value }),
  });
  if (!(response.headers.get('content-type') || '').startsWith('application/x-ndjson')) {
    const body = await response.json().catch(() => ({ ok: false, text: `HTTP ${response.status}` }));
    return { status: response.status, body };
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let last = null;
  const take = (line) => {
    if (!line.trim()) return;
    const message = JSON.parse(line);
    if (typeof message.progress === 'string') onProgress?.(message.progress);
    else last = message;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) { take(buffer.slice(0, i)); buffer = buffer.slice(i + 1); }
  }
  take(buffer);
  if (!last) return { status: 0, body: { ok: false, text: $('lang').value === 'en' ? 'The connection closed before the command finished; it may still complete (see claw status).' : '命令完成前连接已断开；命令可能仍会完成（请查看 claw status）。' } };
  return { status: last.status, body: last };
}

function append(text, cls) {
  const div = document.createElement('div');
  div.className = `entry ${cls}`;
  div.textContent = text;
  $('log').appendChild(div);
  $('log').scrollTop = $('log').scrollHeight;
  return div;
}

async function signIn() {
  const { status, body } = await run('claw whoami');
  if (status === 401) {
    $('login-error').textContent = '令牌无效 / Invalid token';
    sessionStorage.removeItem('claw-token');
    return;
  }
  sessionStorage.setItem('claw-token', state.token);
  $('login').classList.add('hidden');
  $('console').classList.remove('hidden');
  $('signout').classList.remove('hidden');
  $('who').textContent = body.ok ? body.result.member : '';
  append(body.text, body.ok ? 'ok' : 'fail');
  $('command').focus();
}

$('login-form').onsubmit = async (e) => { e.preventDefault(); state.token = $('token').value.trim(); await signIn(); };
$('signout').onclick = () => { sessionStorage.removeItem('claw-token'); location.reload(); };
$('command-form').onsubmit = async (e) => {
  e.preventDefault();
  const text = $('command').value.trim();
  if (!text) return;
  state.history.push(text); state.at = state.history.length;
  $('command').value = '';
  append(`> ${text}`, 'cmd');
  // Progress shows in one line that is updated in place, then gives way to the answer.
  let progress = null;
  const onProgress = (line) => { progress = progress || append('', 'progress muted'); progress.textContent = line; };
  try {
    const { body } = await run(text, onProgress);
    progress?.remove();
    append(body.text, body.ok ? 'ok' : 'fail');
  } catch (err) {
    progress?.remove();
    append(String(err), 'fail');
  }
};
$('command').onkeydown = (e) => {
  if (e.key === 'ArrowUp' && state.at > 0) { state.at--; $('command').value = state.history[state.at]; e.preventDefault(); }
  if (e.key === 'ArrowDown') { state.at = Math.min(state.history.length, state.at + 1); $('command').value = state.history[state.at] || ''; e.preventDefault(); }
};
if (state.token) signIn();
