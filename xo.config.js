/**
 * xo (ESLint with typescript-eslint, unicorn, import-x, n, ava, react) in Prettier-compat mode:
 * Prettier formats (.prettierrc.json), xo lints. Rules switched off say why; the type-aware rules
 * that remain are the ones that catch bugs tsc cannot (floating and misused promises, awaits on
 * non-promises) and fit a lint run within about a minute on two cores.
 */

/** @type {import('xo').FlatXoConfig} */
const xoConfig = [
	{ignores: ['build/**', 'media/**', 'test/fixtures/**']},
	{
		prettier: 'compat',
		rules: {
			// Slow (a tenth of the lint run) and its rewrites make regular expressions terser, not clearer.
			'unicorn/better-regex': 'off',
			// Rewrites comments that start with code or maths (`m * 2^-k`, `.Field`) into wrong sentences.
			'capitalized-comments': 'off',
			// Renames identifiers across the codebase (args, env, dir) that read well as they are.
			'unicorn/prevent-abbreviations': 'off',
			// Polling, retries and ordered provisioning steps await in loops on purpose.
			'no-await-in-loop': 'off',
			// Bit operations are deliberate: file modes, Go integer semantics, certificate serials.
			'no-bitwise': 'off',
			// ANSI escapes and control bytes are matched on purpose (terminal output, key formats).
			'no-control-regex': 'off',
			// tsc's noFallthroughCasesInSwitch checks this with types, and knows calls that return `never`.
			'no-fallthrough': 'off',
			// Style only: `new Promise(resolve => server.close(resolve))` returns nothing anyone reads.
			'no-promise-executor-return': 'off',
			// Style only, without autofix.
			'require-unicode-regexp': 'off',
			'unicorn/no-await-expression-member': 'off',
			'unicorn/no-array-sort': 'off',
			'unicorn/no-array-callback-reference': 'off',
			'n/prefer-global/process': 'off',
			'n/prefer-global/buffer': 'off',
			// Go's parser, fmt and docker-machine's flows are ported with Go's shape; splitting would hide it.
			complexity: 'off',
			'max-params': 'off',
			// Byte and UTF-16 unit arithmetic is deliberate where Go counts bytes.
			'unicorn/prefer-code-point': 'off',
			// An if-chain whose last branch leaves the loop reads better than a switch needing a label.
			'unicorn/prefer-switch': 'off',
			// Layout belongs to Prettier, which these newer rules contradict.
			'@stylistic/curly-newline': 'off',
			// A message is often the command's stderr, which the rule cannot see is a string.
			'ava/assertion-arguments': 'off',
			// Shell text (completion scripts, env output, quoting tests) holds `${var}` on purpose.
			'no-template-curly-in-string': 'off',
		},
	},
	{
		files: ['**/*.{ts,tsx,cts}'],
		// One program for all of source/, test/ and bench/, as `npm run typecheck` builds it.
		languageOptions: {parserOptions: {projectService: false, project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname}},
		rules: {
			// Each costs several percent of the run for little: tsc reports deprecations in editors, and
			// package.json is checked by npm ci.
			'@typescript-eslint/no-deprecated': 'off',
			'n/no-extraneous-import': 'off',
			// docker-machine's config.json, Go template fields, AWS and DigitalOcean APIs and env vars
			// are not camelCase, and must keep their names.
			'@typescript-eslint/naming-convention': 'off',
			// Node's APIs and ssh2 hand out Buffers.
			'@typescript-eslint/no-restricted-types': 'off',
			// tsc strict already rejects implicit any; these cost a fifth of the run and flag parsed JSON.
			'@typescript-eslint/no-unsafe-argument': 'off',
			'@typescript-eslint/no-unsafe-assignment': 'off',
			'@typescript-eslint/no-unsafe-return': 'off',
			'@typescript-eslint/no-unsafe-type-assertion': 'off',
			// Style only, without autofix.
			'@typescript-eslint/strict-void-return': 'off',
			'@typescript-eslint/member-ordering': 'off',
			'@typescript-eslint/class-literal-property-style': 'off',
			// `import('@aws-sdk/client-ec2').X` types keep the SDK out of start-up: only the annotation form.
			'@typescript-eslint/consistent-type-imports': ['error', {disallowTypeAnnotations: false, fixStyle: 'inline-type-imports'}],
			// A default case is a decision; a union switch without one must name every member.
			'@typescript-eslint/switch-exhaustiveness-check': [
				'error',
				{considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false, allowDefaultCaseForExhaustiveSwitch: true},
			],
			// `||` on strings is deliberate: an empty value takes the default, as in docker-machine.
			'@typescript-eslint/prefer-nullish-coalescing': 'off',
		},
	},
	{
		files: ['**/*.tsx'],
		react: true,
		rules: {
			// Prettier writes `<Box />`.
			'react/jsx-tag-spacing': 'off',
			// The automatic JSX runtime (tsconfig "jsx": "react-jsx") needs no React in scope.
			'react/react-in-jsx-scope': 'off',
			// Style only.
			'react/boolean-prop-naming': 'off',
			// Its autofix turns `bold={a && b}` into `a ? b : null`, which Ink's boolean props reject.
			'react/jsx-no-leaked-render': 'off',
			// React Compiler checks: slow, and this app is not compiled by it.
			'react-hooks/static-components': 'off',
			// `const [store] = useState(() => …)` makes one object per mounted component: there is no setter to name.
			'react/hook-use-state': 'off',
		},
	},
	{
		files: ['source/tui/**'],
		rules: {
			// Components are PascalCase files and hooks camelCase (useX.ts), as in React projects.
			'unicorn/filename-case': ['error', {cases: {pascalCase: true, camelCase: true, kebabCase: true}}],
		},
	},
	{
		files: ['source/cli.cts'],
		rules: {
			// The installed command is CommonJS on purpose (see the file): Node 20 caches compiled
			// code for scripts, not for ES modules.
			'@typescript-eslint/no-require-imports': 'off',
			'unicorn/prefer-module': 'off',
		},
	},
	{
		files: ['source/cli/start.ts'],
		rules: {
			// Bundled into CommonJS, which has no top-level await.
			'unicorn/prefer-top-level-await': 'off',
		},
	},
	{
		files: ['bench/**', 'source/tui/run.tsx', 'source/cli/start.ts', 'scripts/build.mjs'],
		rules: {
			// Benchmarks, the command line's start and the build are command-line programs, and the TUI's signal and crash handlers end the
			// process with the code a shell expects (128 + signal) once the terminal is restored.
			'unicorn/no-process-exit': 'off',
		},
	},
];

export default xoConfig;
