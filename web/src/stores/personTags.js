// The resident tags (独居老人, 低保户, ...).
import { defineVocabulary } from './vocabulary.js'

export const usePersonTags = defineVocabulary('personTags', '/person-tags')
