// A change to the rows selected in a list (PersonBulk, PartyMemberBulk): send(body)
// posts the family's bulk request for the ids; run(body, done) sends it, says done(r)
// on success, shows the refusal otherwise and resolves to whether it went through;
// busy while it runs.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage, ElMessageBox } from 'element-plus'

export function useBulk(send, ids, emit) {
  const { t } = useI18n()
  const busy = ref(false)
  async function run(body, done) {
    busy.value = true
    try {
      const r = await send({ ...body, ids: ids.value })
      ElMessage.success(done(r))
      emit('done', r)
      return true
    } catch (e) {
      ElMessageBox.alert(e.message, t('common.error'), { type: 'error', confirmButtonText: t('common.ok') })
      return false
    } finally {
      busy.value = false
    }
  }
  return { busy, run }
}
