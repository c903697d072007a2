// Chart.js with only the parts the page draws (tree-shaken), no animation: the charts are final on `load`.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineElement, PointElement, ScatterController, Tooltip } from 'chart.js';

Chart.register(ScatterController, BarController, LinearScale, CategoryScale, PointElement, LineElement, BarElement, Tooltip, Legend);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = 'system-ui, sans-serif';

export { Chart };
