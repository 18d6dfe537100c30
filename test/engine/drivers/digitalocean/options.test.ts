import test from 'ava';
import {options} from '../../../../source/engine/drivers/digitalocean/options.js';

test("options: the token is required with docker-machine's message, tags and ports are checked, nothing echoes the token", t => {
	const spec = (name: string) => options.find(option => option.name === `digitalocean-${name}`)!;
	t.is(spec('access-token').required, 'digitalocean driver requires the --digitalocean-access-token option');
	t.is(spec('access-token').validate?.('abc def'), '--digitalocean-access-token contains spaces or line breaks: give the token alone');
	t.is(spec('tags').validate?.('web, team:qa'), undefined);
	t.regex(spec('tags').validate?.('web,no spaces') ?? '', /"no spaces" is not a valid tag/);
	t.regex(spec('ssh-port').validate?.(0) ?? '', /is not a port/);
	t.regex(spec('ssh-key-fingerprint').validate?.('SHA256:abc') ?? '', /MD5 fingerprint/);
	t.regex(spec('api-url').validate?.('ftp://x') ?? '', /not an http\(s\) URL/);
});
