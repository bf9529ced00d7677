// The components' stylesheet shared with the Python outputs and widgets, then the lab's own layout.
import '../../dp_notebook/render/static/dpn.css';
import './index.css';
