// Party organisations (党组织).
import { resource } from './resource.js'

export const partyOrgs = resource('/party-orgs')
