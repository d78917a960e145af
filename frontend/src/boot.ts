// Evaluated before the rest of the app (main.tsx imports it first): take #token=... out of the address
// bar, then start the landing page's requests so they travel while React and the pages are evaluated.
import { prefetchModelsPage } from './api/prefetch';
import { captureTokenFromFragment } from './auth';

captureTokenFromFragment();
prefetchModelsPage();
