// 我要 反映问题 or 定制帮 on a report form: whether help is asked for, the categories
// that offers (categoriesFor in domain.js, or all of them when all() says so: staff),
// and the chosen category cleared when the other kind does not offer it.
import { computed, ref, watch } from 'vue'
import { categoriesFor } from '../domain.js'

export function useCaseKind(categories, form, { help: asked = false, all = () => false } = {}) {
  const help = ref(asked)
  const offered = computed(() => (all() ? categories() : categoriesFor(categories(), help.value)))
  watch(help, () => {
    if (!offered.value.some((k) => k.code === form.category)) form.category = ''
  })
  return { help, offered }
}
