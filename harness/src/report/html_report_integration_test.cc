// Runs the real gnuplot to draw the charts, then renders report.html in
// headless Chromium and checks the rendered DOM and screenshot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>

#include "report/example_suite.h"
#include "report/html_report.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/process.h"

namespace bootgate {
namespace {

using ::testing::HasSubstr;

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  ///< 3 bytes per pixel
};

uint32_t Be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

// Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes).
Image DecodePng(const std::string& png) {
  if (png.size() < 33 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    throw Error("png", "not a PNG file");
  }
  Image img;
  int channels = 0;
  std::string idat;
  size_t pos = 8;
  while (pos + 12 <= png.size()) {
    uint32_t len = Be32(png, pos);
    std::string type = png.substr(pos + 4, 4);
    if (type == "IHDR") {
      img.width = static_cast<int>(Be32(png, pos + 8));
      img.height = static_cast<int>(Be32(png, pos + 12));
      int depth = uint8_t(png[pos + 16]), color = uint8_t(png[pos + 17]);
      if (depth != 8 || (color != 2 && color != 6) || png[pos + 20] != 0) {
        throw Error("png", "unsupported PNG format");
      }
      channels = color == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat += png.substr(pos + 8, len);
    } else if (type == "IEND") {
      break;
    }
    pos += 12 + len;
  }
  size_t stride = static_cast<size_t>(img.width) * channels;
  std::vector<uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()),
                 idat.size()) != Z_OK ||
      raw_len != raw.size()) {
    throw Error("png", "cannot inflate image data");
  }
  std::vector<uint8_t> prev(stride, 0), cur(stride);
  img.rgb.reserve(static_cast<size_t>(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y) {
    const uint8_t* line = &raw[y * (stride + 1)];
    uint8_t filter = line[0];
    for (size_t x = 0; x < stride; ++x) {
      int a = x >= size_t(channels) ? cur[x - channels] : 0;
      int b = prev[x];
      int c = x >= size_t(channels) ? prev[x - channels] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw Error("png", "bad filter type");
      }
      cur[x] = static_cast<uint8_t>(line[1 + x] + pred);
    }
    for (int x = 0; x < img.width; ++x) {
      for (int k = 0; k < 3; ++k) img.rgb.push_back(cur[x * channels + k]);
    }
    std::swap(prev, cur);
  }
  return img;
}

std::vector<TrendSeries> Trends() {
  std::vector<TrendSeries> trends;
  for (const auto& [profile, base, limit] :
       std::vector<std::tuple<std::string, double, double>>{
           {"qemu-kvm", 9.6, 45}, {"hyperv-gen2", 44.0, 45}}) {
    TrendSeries t{"photon-minimal", profile, "boot_s", {}, limit};
    for (int day = 1; day <= 12; ++day) {
      t.points.push_back({fmt::format("2025-12-{:02d}T06:00:00Z", day + 18),
                          base + (day % 4) * 0.35 + (day > 9 ? day - 9 : 0)});
    }
    trends.push_back(t);
  }
  TrendSeries ram{"photon-minimal", "qemu-kvm", "ram_mib", {}, 150};
  for (int day = 1; day <= 12; ++day) {
    ram.points.push_back({fmt::format("2025-12-{:02d}T06:00:00Z", day + 18),
                          138 + day * 0.3});
  }
  trends.push_back(ram);
  return trends;
}

TEST(HtmlReportIntegrationTest, GnuplotChartsRenderInChromium) {
  if (!FindExecutable("gnuplot")) GTEST_FAIL() << "gnuplot (gnuplot-nox) is not installed";
  if (!FindExecutable("chromium")) GTEST_FAIL() << "chromium is not installed";
  PosixProcessLauncher launcher;
  TempDir dir(fs::temp_directory_path(), "bootgate-html-it-");
  fs::path page = dir.path() / "report.html";
  WriteHtmlReport(testing::ExampleSuite(), Trends(), page.string(), launcher);

  std::string html = ReadFile(page);
  EXPECT_THAT(html, Not(HasSubstr("chart not rendered")));
  EXPECT_THAT(html, Not(HasSubstr("<?xml")));
  size_t svgs = 0;
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 7u);  // 4 budget charts, 1 timeline, 2 trend charts

  fs::path profile_dir = dir.path() / "chromium-profile";
  fs::create_directories(profile_dir);
  std::vector<std::string> common = {
      "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
      "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--hide-scrollbars",
      "--user-data-dir=" + profile_dir.string(), "--window-size=1280,2000"};

  std::vector<std::string> dump = common;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + page.string());
  CommandOutput dom = RunCommand(launcher, dump, std::chrono::seconds(90), 8 << 20);
  ASSERT_TRUE(dom.status.ok()) << dom.status.Describe() << "\n" << dom.stderr_text;
  size_t dom_svgs = 0;
  for (size_t p = dom.stdout_text.find("<svg"); p != std::string::npos;
       p = dom.stdout_text.find("<svg", p + 1)) {
    ++dom_svgs;
  }
  EXPECT_EQ(dom_svgs, 7u);
  EXPECT_THAT(dom.stdout_text, HasSubstr("id=\"verdict\">FAIL</div>"));

  fs::path shot = dir.path() / "shot.png";
  std::vector<std::string> screenshot = common;
  screenshot.push_back("--screenshot=" + shot.string());
  screenshot.push_back("file://" + page.string());
  CommandOutput out = RunCommand(launcher, screenshot, std::chrono::seconds(90));
  ASSERT_TRUE(out.status.ok()) << out.status.Describe() << "\n" << out.stderr_text;
  ASSERT_TRUE(fs::exists(shot));
  std::string png = ReadFile(shot);
  EXPECT_GT(png.size(), 50'000u) << "screenshot suspiciously small";
  Image img = DecodePng(png);
  EXPECT_EQ(img.width, 1280);
  EXPECT_EQ(img.height, 2000);
  size_t non_white = 0, red = 0;
  for (size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
    uint8_t r = img.rgb[i], g = img.rgb[i + 1], b = img.rgb[i + 2];
    if (r < 240 || g < 240 || b < 240) ++non_white;
    if (r > 170 && g < 80 && b < 80) ++red;  // the FAIL badge, failed bars
  }
  double total = static_cast<double>(img.width) * img.height;
  EXPECT_GT(non_white / total, 0.10) << "page looks blank";
  EXPECT_GT(red, 2000u) << "no red FAIL badge or failed bar visible";

  // Keep a copy for people to look at.
  if (const char* bin = std::getenv("BOOTGATE_BINARY_DIR")) {
    std::error_code ec;
    fs::copy_file(shot, fs::path(bin) / "report-screenshot.png",
                  fs::copy_options::overwrite_existing, ec);
    fs::copy_file(page, fs::path(bin) / "report-example.html",
                  fs::copy_options::overwrite_existing, ec);
  }
}

TEST(HtmlReportIntegrationTest, GnuplotErrorIsReportedNotFatal) {
  PosixProcessLauncher launcher;
  TempDir dir(fs::temp_directory_path(), "bootgate-html-it-");
  ChartSpec bad{"broken", "budgets", "broken", "plot 'missing.dat' using 1:2\n", {}};
  try {
    RenderChartSvg(bad, dir.path(), launcher);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("gnuplot chart 'broken'"));
  }
}

}  // namespace
}  // namespace bootgate
