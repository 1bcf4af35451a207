// The API's error of a form that is not a list-and-dialog page (the report forms):
// on the field it names when the form shows that field, else above the form; a
// field's error goes as soon as its value changes, the rest at the next send. The
// field refused is scrolled into view.
//
//   const { errors, above } = useFieldErrors(sendError, form, { title: 'title', contact_phone: 'contactPhone' })
//   <el-form-item :error="errors.title">   <el-alert v-if="above">{{ above.message }}</el-alert>
import { computed, nextTick, reactive, watch } from 'vue'

export function useFieldErrors(error, form, fields) {
  const errors = reactive({})
  watch(error, (e) => {
    for (const k of Object.keys(errors)) delete errors[k]
    if (e?.field && e.field in fields) {
      errors[e.field] = e.message
      // The send button is at the foot of a long form: bring the field into view.
      nextTick(() => document.querySelector('.el-form-item.is-error')?.scrollIntoView({ block: 'center' }))
    }
  })
  for (const [field, key] of Object.entries(fields)) watch(() => form[key], () => delete errors[field])
  const above = computed(() => (error.value && !(error.value.field && error.value.field in fields) ? error.value : null))
  return { errors, above }
}
