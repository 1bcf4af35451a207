// The resident tags (独居老人, 低保户, ...).
import { persons } from '../api/persons.js'
import { defineVocabulary } from './vocabulary.js'

export const usePersonTags = defineVocabulary('personTags', persons.tags)
