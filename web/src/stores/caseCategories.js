// The case categories (环境卫生, 定制帮, ...) with their stage time limits.
import { cases } from '../api/cases.js'
import { defineVocabulary } from './vocabulary.js'

export const useCaseCategories = defineVocabulary('caseCategories', cases.categories)
