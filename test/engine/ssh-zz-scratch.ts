import {SshClient} from '../../source/engine/ssh/index.js';
let t0 = Date.now();
const lap = (what: string) => { console.log(what, Date.now() - t0); t0 = Date.now(); };
const c = await SshClient.connect({host: '127.0.0.1', port: 2399, user: 'root', privateKeyPath: '/tmp/sshscratch/dbg/ck', knownHostsFile: '/tmp/sshscratch/dbg/kh', hostLabel: 'x', debug: undefined} as any);
lap('connect');
await c.run('exit 0'); lap('exit 0');
await c.exec('echo out; echo err >&2; exit 7'); lap('exec');
await c.exec('echo err >&2; test -t 0', {pty: true}); lap('pty');
c.close();
