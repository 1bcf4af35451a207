// Revealing a resident's full ID number or phone, or a case's contact phone: one dialog for the whole
// console asks for the reason (required, kept in the audit row), the API audits it and answers the
// value, which goes back to the one place that asked and is kept nowhere else.
import { reactive } from 'vue'
import { ElMessageBox } from 'element-plus'
import { reveal } from '../api/persons.js'
import { i18n } from '../i18n'

const state = reactive({
  open: false,
  personId: null,
  path: '',
  field: 'id_card',
  name: '',
  reason: '',
  busy: false,
  error: '',
})
let settle = null

export function useRevealDialog() {
  return state
}

// Resolves with the value (null when the person has none) or undefined when cancelled.
// path: the reveal route when it is not a person's (a case's contact phone).
export function askReveal({ personId, field, name = '', path = '' }) {
  if (settle) settle(undefined)
  path = path || `/persons/${personId}/reveal`
  Object.assign(state, { open: true, personId, path, field, name, reason: '', busy: false, error: '' })
  return new Promise((resolve) => {
    settle = resolve
  })
}

// A reason the server takes: 4 to 200 characters (it also refuses one holding an ID or phone number).
export const REASON_MIN = 4
export const REASON_MAX = 200
export const reasonOk = (s) => {
  const n = [...(s || '').trim()].length
  return n >= REASON_MIN && n <= REASON_MAX
}

// A full export says why, as a reveal does (the reason is kept in the audit row):
// the reason typed, or null when cancelled. message, title, hint: the dialog's words.
export async function askExportReason({ message, title, hint }) {
  const t = i18n.global.t
  try {
    const answer = await ElMessageBox.prompt(message, title, {
      type: 'warning',
      confirmButtonText: title,
      cancelButtonText: t('common.cancel'),
      inputPlaceholder: hint,
      inputValidator: (v) => reasonOk(v) || t('reveal.reasonNeeded'),
      customClass: 'export-reason-box',
    })
    return answer.value.trim()
  } catch {
    return null
  }
}

export async function submitReveal() {
  if (!reasonOk(state.reason)) {
    state.error = i18n.global.t('reveal.reasonNeeded')
    return
  }
  state.busy = true
  state.error = ''
  try {
    const body = { field: state.field, reason: state.reason.trim() }
    const res = await reveal(state.path, body)
    const done = settle
    settle = null
    state.open = false
    state.reason = ''
    done?.(res.value ?? null)
  } catch (e) {
    state.error = e.message
  } finally {
    state.busy = false
  }
}

export function cancelReveal() {
  const done = settle
  settle = null
  state.open = false
  state.reason = ''
  done?.(undefined)
}
