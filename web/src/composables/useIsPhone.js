import { onBeforeUnmount, ref } from 'vue'

// True on a phone-sized screen (narrower than 768px), following resizes.
export function useIsPhone() {
  const query = window.matchMedia('(max-width: 767.98px)')
  const isPhone = ref(query.matches)
  const update = (e) => {
    isPhone.value = e.matches
  }
  query.addEventListener('change', update)
  onBeforeUnmount(() => query.removeEventListener('change', update))
  return isPhone
}
