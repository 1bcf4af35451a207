// The UI dictionary: zh-CN first, en second. Every visible string comes from
// zh-CN.js / en.js; tests/e2e/i18n-keys.mjs keeps the two and the code in step.
import { createI18n } from 'vue-i18n'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import elEn from 'element-plus/es/locale/lang/en'
import zhCN from './zh-CN.js'
import en from './en.js'

export const LANGS = ['zh-CN', 'en']
export const DEFAULT_LANG = 'zh-CN'

export const elementLocales = { 'zh-CN': elZhCn, en: elEn }

export function normaliseLang(lang) {
  return LANGS.includes(lang) ? lang : DEFAULT_LANG
}

export const i18n = createI18n({
  legacy: false,
  locale: DEFAULT_LANG,
  fallbackLocale: DEFAULT_LANG,
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
})

export function applyLang(lang) {
  const l = normaliseLang(lang)
  i18n.global.locale.value = l
  document.documentElement.lang = l
  document.title = i18n.global.t('app.title')
  return l
}
