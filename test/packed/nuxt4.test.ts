import { describeFreshApp } from './suite'

describeFreshApp(4)
