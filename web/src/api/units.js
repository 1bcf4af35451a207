// Resident units (驻区单位).
import { resource } from './resource.js'

export const units = resource('/units')
