package io.jllm.bench;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts of benchmark results (XChart, rendered headless). */
public final class Plots {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;
    /** jLLM first, llama.cpp second, in every chart. */
    private static final Color[] COLORS = {new Color(0xD9480F), new Color(0x1864AB), new Color(0x2B8A3E),
        new Color(0x862E9C), new Color(0x495057)};

    private Plots() {
    }

    /** Grouped bars: one group per category, one bar per series. Missing values (NaN) draw as no bar. */
    public static Path bars(Path out, String title, String yLabel, List<String> categories,
            Map<String, double[]> series) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("").yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("#,##0.#");
        int added = 0;
        for (Map.Entry<String, double[]> s : series.entrySet()) {
            double[] values = s.getValue();
            if (values.length != categories.size()) {
                throw new IllegalArgumentException("series " + s.getKey() + " has " + values.length + " values for "
                        + categories.size() + " categories");
            }
            if (allMissing(values)) {
                continue;
            }
            List<Double> ys = new ArrayList<>();
            for (double v : values) {
                ys.add(Double.isNaN(v) ? 0.0 : v);
            }
            chart.addSeries(s.getKey(), categories, ys).setFillColor(COLORS[added % COLORS.length]);
            added++;
        }
        return save(chart, out, added);
    }

    /**
     * Lines with markers: each series is {x values, y values}; points with a NaN y are left out. With
     * {@code log2X} the x axis is logarithmic in base 2 and labelled at the powers of two (concurrency).
     */
    public static Path lines(Path out, String title, String xLabel, String yLabel, Map<String, double[][]> series,
            boolean log2X) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        if (log2X) {
            chart.setCustomXAxisTickLabelsFormatter(Plots::powerOfTwoLabel);
        }
        chart.getStyler().setMarkerSize(7);
        int added = 0;
        for (Map.Entry<String, double[][]> s : series.entrySet()) {
            double[] xs = s.getValue()[0];
            double[] ys = s.getValue()[1];
            List<Double> px = new ArrayList<>();
            List<Double> py = new ArrayList<>();
            for (int i = 0; i < xs.length; i++) {
                if (!Double.isNaN(ys[i])) {
                    px.add(log2X ? Math.log(xs[i]) / Math.log(2) : xs[i]);
                    py.add(ys[i]);
                }
            }
            if (px.isEmpty()) {
                continue;
            }
            var added0 = chart.addSeries(s.getKey(), px, py);
            added0.setMarker(SeriesMarkers.CIRCLE);
            added0.setLineColor(COLORS[added % COLORS.length]);
            added0.setMarkerColor(COLORS[added % COLORS.length]);
            added++;
        }
        return save(chart, out, added);
    }

    /** The label of an x tick on a log2 axis: the power of two at whole exponents, nothing between them. */
    static String powerOfTwoLabel(double exponent) {
        double rounded = Math.rint(exponent);
        if (Math.abs(exponent - rounded) > 1e-6) {
            return "";
        }
        return Long.toString(Math.round(Math.pow(2, rounded)));
    }

    /** Ordered map helper for series. */
    public static <V> Map<String, V> series(Object... nameValuePairs) {
        Map<String, V> map = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            V v = (V) nameValuePairs[i + 1];
            map.put((String) nameValuePairs[i], v);
        }
        return map;
    }

    private static void style(org.knowm.xchart.style.AxesChartStyler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(0xDEE2E6));
        styler.setLegendBorderColor(new Color(0xADB5BD));
    }

    private static boolean allMissing(double[] values) {
        for (double v : values) {
            if (!Double.isNaN(v)) {
                return false;
            }
        }
        return true;
    }

    private static Path save(Chart<?, ?> chart, Path out, int series) throws IOException {
        if (series == 0) {
            return null;
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (OutputStream stream = Files.newOutputStream(out)) {
            BitmapEncoder.saveBitmap(chart, stream, BitmapEncoder.BitmapFormat.PNG);
        }
        return out;
    }
}
