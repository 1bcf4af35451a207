// Households (户).
import { resource } from './resource.js'

export const households = resource('/households')
