import type {Key} from '../input/keys.js';
import {editText} from '../input/text-field.js';
import type {CommandName} from '../keymap.js';
import {formReducer, formRows, type FormAction, type FormState} from './form.js';

/** A form being filled in: its state and the caret in the focused text box. */
export type FormEdit = {form: FormState; caret: number};

/** What a key does to a form: a change, or Enter on the submit row, or Esc. */
export type FormKeyOutcome = {type: 'edit'; edit: FormEdit} | {type: 'submit'} | {type: 'cancel'};

export function caretAtEnd(form: FormState): number {
	const row = formRows(form)[form.focus];
	const value = row?.kind === 'field' ? form.values[row.field.spec.name] : undefined;
	return typeof value === 'string' ? [...value].length : 0;
}

/** A form action applied; the caret goes to the end of a box the focus moved to. */
export function applyFormAction({form, caret}: FormEdit, action: FormAction): FormEdit {
	const next = formReducer(form, action);
	return {form: next, caret: next.focus === form.focus ? caret : caretAtEnd(next)};
}

/** The keys of the `form` scope and typing in a box, the same in every form (create, set). */
export function formKey(edit: FormEdit, key: Key, command: CommandName | undefined): FormKeyOutcome {
	const {form} = edit;
	const focused = formRows(form)[form.focus];
	const textField = focused?.kind === 'field' && focused.field.spec.type !== 'bool' ? focused.field.spec.name : undefined;
	const apply = (action: FormAction): FormKeyOutcome => ({type: 'edit', edit: applyFormAction(edit, action)});

	switch (command) {
		case 'nextField': {
			return apply({type: 'move', by: 1});
		}

		case 'previousField': {
			return apply({type: 'move', by: -1});
		}

		case 'enterField': {
			if (focused?.kind === 'fold') return apply({type: 'toggle'});
			return focused?.kind === 'submit' ? {type: 'submit'} : apply({type: 'move', by: 1});
		}

		case 'cancelForm': {
			return {type: 'cancel'};
		}

		// On a text box the space is typed into it.
		case 'toggle': {
			if (!textField) return apply({type: 'toggle'});
			break;
		}

		default: {
			break;
		}
	}

	if (!textField) return {type: 'edit', edit};
	const edited = editText({value: String(form.values[textField]), caret: edit.caret}, key);
	if (!edited) return {type: 'edit', edit};
	const next = edited.value === form.values[textField] ? form : formReducer(form, {type: 'edit', name: textField, value: edited.value});
	return {type: 'edit', edit: {form: next, caret: edited.caret}};
}
