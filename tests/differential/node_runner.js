// Reads {"env": {...}, "targets": [...]} on stdin; prints one line per target and library:
// the proxy host:port chosen, or DIRECT. No network: undici's agents are replaced by recorders.
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'))
for (const key of Object.keys(process.env)) {
  if (/_proxy$/i.test(key)) delete process.env[key]
}
Object.assign(process.env, input.env)
const { getProxyForUrl } = require('proxy-from-env')
const { EnvHttpProxyAgent } = require('undici')

function hostPort (proxy) {
  if (!proxy) return 'DIRECT'
  const u = new URL(proxy.includes('://') ? proxy : 'http://' + proxy)
  return u.host
}

const agent = new EnvHttpProxyAgent()
let chosen = null
const syms = Object.fromEntries(Object.getOwnPropertySymbols(agent).map(s => [s.description, s]))
const noAgent = agent[syms['no proxy agent']]
const httpUri = process.env.http_proxy ?? process.env.HTTP_PROXY
const httpsUri = process.env.https_proxy ?? process.env.HTTPS_PROXY
const uris = {
  'no proxy agent': null,
  'http proxy agent': agent[syms['http proxy agent']] === noAgent ? null : httpUri,
  'https proxy agent': agent[syms['https proxy agent']] === noAgent ? null : (httpsUri || httpUri)
}
for (const d of Object.keys(uris)) {
  agent[syms[d]] = { dispatch () { chosen = uris[d]; return true }, close () {}, destroy () {} }
}
for (const target of input.targets) {
  let pfe
  try { pfe = hostPort(getProxyForUrl(target)) } catch (e) { pfe = 'ERROR ' + e.message }
  chosen = undefined
  let und
  try {
    const u = new URL(target)
    agent.dispatch({ origin: u.origin, path: '/', method: 'GET' }, {})
    und = chosen === undefined ? 'ERROR no agent' : hostPort(chosen)
  } catch (e) { und = 'ERROR ' + e.message }
  console.log(JSON.stringify({ target, 'node-proxy-from-env': pfe, 'node-undici': und }))
}
