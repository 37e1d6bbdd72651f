import { describeFreshApp } from './suite'

describeFreshApp(3)
