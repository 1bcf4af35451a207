// The API's fixed vocabularies (GET /enums: unit types, party organisation kinds,
// posts, ...) and its roles with their permissions (GET /roles), asked for once per
// session. The values come from here; their words stay in the dictionaries
// (domain.js maps a value to its dictionary key).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { enums as fetchEnums, roles as fetchRoles } from '../api/system.js'

export const useEnums = defineStore('enums', () => {
  const lists = ref({})
  const roles = ref([]) // [{role, permissions: [...]}]
  const error = ref(null)
  let pending = null

  function load() {
    if (roles.value.length) return Promise.resolve()
    if (!pending) {
      error.value = null
      pending = Promise.all([fetchEnums(), fetchRoles()])
        .then(([e, r]) => {
          lists.value = e
          roles.value = r.items
        })
        .catch((e) => {
          error.value = e
        })
        .finally(() => {
          pending = null
        })
    }
    return pending
  }

  // The values of one vocabulary ([] until loaded).
  const values = (name) => lists.value[name] || []
  // The roles whose grants carry perm.
  const rolesWith = (perm) => roles.value.filter((r) => r.permissions.includes(perm)).map((r) => r.role)

  return { lists, roles, error, load, values, rolesWith }
})
