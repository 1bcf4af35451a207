// Revealing a resident's full ID number or phone: one dialog for the whole
// console asks for the (optional) reason, the API audits it and answers the
// value, which goes back to the one place that asked and is kept nowhere else.
import { reactive } from 'vue'
import { api } from '../api.js'

const state = reactive({
  open: false,
  personId: null,
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
export function askReveal({ personId, field, name = '' }) {
  if (settle) settle(undefined)
  Object.assign(state, { open: true, personId, field, name, reason: '', busy: false, error: '' })
  return new Promise((resolve) => {
    settle = resolve
  })
}

export async function submitReveal() {
  state.busy = true
  state.error = ''
  try {
    const body = { field: state.field }
    if (state.reason.trim()) body.reason = state.reason.trim()
    const res = await api.post(`/persons/${state.personId}/reveal`, body)
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
