// The case categories (环境卫生, 定制帮, ...) with their stage time limits.
import { defineVocabulary } from './vocabulary.js'

export const useCaseCategories = defineVocabulary('caseCategories', '/case-categories')
