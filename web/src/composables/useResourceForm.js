// The create / edit dialog and the delete of a list-and-dialog page (units, party
// organisations, party members, cadres, households): opening on a blank form or a
// row, saving once (a repeated create reuses its Idempotency-Key), the API's error on
// the field it names or above the form, and a confirmed delete. The page keeps its
// own fields and rules; components/ResourceDialog.vue is the dialog around them.
//
//   const edit = useResourceForm({
//     blank: () => ({ name: '' }),           // a new row's form
//     fromRow: (row) => ({ name: row.name }), // an existing row's form
//     fields: ['name'],                       // errors shown on the field the API names, until it changes
//     create: (form, key) => units.create({...}, key),
//     update: (row, form) => units.update(row.id, {..., version: row.version}),
//     remove: (row) => units.remove(row.id),
//     confirm: (row) => t('units.deleteConfirm', { name: row.name }),
//     check: (form) => '' or a message that stops the save before it is sent,
//     saved: () => list.pager.reload(),
//     once: false,                            // a create without an Idempotency-Key (default: with one)
//   })
import { computed, reactive, watch } from 'vue'
import { ElMessage, ElMessageBox } from 'element-plus'
import { i18n } from '../i18n'
import { useIdempotencyKey } from './useIdempotencyKey.js'

export function useResourceForm({ blank, fromRow, fields = [], create, update, remove, confirm, check, saved = () => {}, opened, once = true }) {
  const t = i18n.global.t
  const createOnce = useIdempotencyKey() // a repeat of the same create (double click, retry) makes one
  const form = reactive(blank())
  const state = reactive({
    open: false,
    busy: false,
    error: '', // an error no field of the form carries
    errors: Object.fromEntries(fields.map((f) => [f, ''])),
    editing: null, // the row being edited, null for a new one
  })

  function clearErrors() {
    state.error = ''
    for (const f of fields) state.errors[f] = ''
  }
  // A field's error goes as soon as its value changes: it was about the value sent.
  for (const f of fields) watch(() => form[f], () => { state.errors[f] = '' }, { deep: true })

  function show(row) {
    state.editing = row
    Object.assign(form, row ? fromRow(row) : blank())
    clearErrors()
    state.open = true
    opened?.(row)
  }

  async function save() {
    clearErrors()
    const stop = check?.(form)
    if (stop) {
      state.error = stop
      return
    }
    state.busy = true
    try {
      if (state.editing) await update(state.editing, form)
      else await (once ? createOnce((key) => create(form, key)) : create(form))
      state.open = false
      ElMessage.success(t('common.saved'))
      saved()
    } catch (e) {
      if (e.field && fields.includes(e.field)) state.errors[e.field] = e.message
      else state.error = e.message
    } finally {
      state.busy = false
    }
  }

  async function removeRow(row) {
    if (!(await confirmDelete(confirm(row)))) return
    try {
      await remove(row)
      ElMessage.success(t('common.deleted'))
      saved()
    } catch (e) {
      ElMessageBox.alert(e.message, t('common.error'), { type: 'error', confirmButtonText: t('common.ok') })
    }
  }

  return {
    form,
    state,
    errors: state.errors, // by field, for :error of the form items
    editing: computed(() => state.editing),
    openCreate: () => show(null),
    openEdit: (row) => show(row),
    save,
    removeRow,
  }
}

// Ask before deleting: true when the user confirms (text says what goes; title defaults to 删除).
export async function confirmDelete(text, title = i18n.global.t('common.delete')) {
  const t = i18n.global.t
  try {
    await ElMessageBox.confirm(text, title, { type: 'warning', confirmButtonText: t('common.delete'), cancelButtonText: t('common.cancel') })
    return true
  } catch {
    return false
  }
}

// A form's value, trimmed, or null when empty (a PATCH clears the field with null).
export const orNull = (v) => (typeof v === 'string' ? v.trim() || null : v ?? null)

// A body without its null values (a create leaves them out).
export function withoutEmpty(body) {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null && v !== undefined))
}
