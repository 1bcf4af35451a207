// Cadres and grid workers (书记, 主任, 两委委员, 网格员).
import { resource } from './resource.js'

export const cadres = resource('/cadres')
