// What a list page is built of, in one import (web/README.md: a new family's views):
// the list (useListPage, ListState), the create/edit dialog (useResourceForm,
// ResourceDialog, RowActions), the API's vocabularies (useEnums) and the caller's
// permissions at the page's node (orgCan).
import { computed } from 'vue'

export { default as ListState } from './ListState.vue'
export { default as ResourceDialog } from './ResourceDialog.vue'
export { default as RowActions } from './RowActions.vue'
export { useListPage } from '../composables/useListPage.js'
export { confirmDelete, orNull, useResourceForm, withoutEmpty } from '../composables/useResourceForm.js'
export { useEnums } from '../stores/enums.js'

// Whether the user holds perm at the node the page shows (props.org, from OrgShell).
export function orgCan(props, perm) {
  return computed(() => (props.org.your_permissions || []).includes(perm))
}
