// A staff action on a row of the 双报到 lists: ask for a reason when the move
// needs one, send it, say it is done or show the API's words, and reload.
import { ElMessage, ElMessageBox } from 'element-plus'
import { newIdempotencyKey } from '../../composables/useIdempotencyKey.js'

export async function act(t, send, { reason = false, done } = {}) {
  let text
  if (reason) {
    try {
      ;({ value: text } = await ElMessageBox.prompt(t('serviceReport.reason'), t('serviceReport.reasonTitle'), {
        inputValidator: (v) => (v && v.trim() ? true : t('serviceReport.reasonRequired')),
        confirmButtonText: t('serviceReport.ok'),
        cancelButtonText: t('common.cancel'),
      }))
    } catch {
      return false
    }
  }
  try {
    await send(text?.trim(), newIdempotencyKey())
    ElMessage.success(t('serviceReport.done'))
    done?.()
    return true
  } catch (e) {
    ElMessage.error(e.message)
    return false
  }
}
