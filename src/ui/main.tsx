import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app');
if (root === null) throw new Error('the dashboard page has no #app element');
render(<App />, root);
