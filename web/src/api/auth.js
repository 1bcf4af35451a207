// Signing in and out, who is signed in, one's own password; and the client's
// session settings the session store keeps (CSRF token, language, what a 401 does).
import { api, request } from './client.js'

export { ApiError, onUnauthorized, setApiLanguage, setCsrfToken } from './client.js'

// {user, csrf_token}; a 401 (nobody) is thrown without calling the 401 handler.
export const me = () => request('GET', '/auth/me', { login: true })
export const login = (username, password) => api.login(username, password)
export const logout = () => api.post('/auth/logout')
export const changePassword = (body) => api.post('/auth/password', body)
