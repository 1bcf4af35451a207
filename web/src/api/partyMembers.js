// Party members (党员), named by their person's id.
import { resource } from './resource.js'

export const partyMembers = resource('/party-members')
