// A membership transfer's states in their order (core/ptransferfsm.c) and the
// colour of each state's tag, for the staff page and the member's own section.
export const STATES = ['applied', 'out_reviewed', 'received', 'returned', 'suspended', 'completed', 'cancelled']
export const STATE_TYPES = {
  applied: 'warning',
  out_reviewed: 'primary',
  received: 'primary',
  returned: 'danger',
  suspended: 'warning',
  completed: 'success',
  cancelled: 'info',
}
