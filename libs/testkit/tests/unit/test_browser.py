"""The headless Chromium of the test kit renders a local page and decodes H.264 over WebRTC."""

from __future__ import annotations

from pathlib import Path

from tncam_testkit.browser import chromium, console_of

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Thử trình duyệt</title></head>
<body><h1 id="title">Camera Thái Nguyên: đang kết nối</h1></body></html>
"""

# Two peer connections in one page: a canvas stream sent as H.264 and decoded by the other.
H264_LOOPBACK = """
async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 240;
  const g = canvas.getContext('2d');
  let n = 0;
  setInterval(() => {
    g.fillStyle = `hsl(${(n++ * 7) % 360},80%,50%)`;
    g.fillRect(0, 0, 320, 240);
  }, 40);
  const track = canvas.captureStream(25).getVideoTracks()[0];
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  const candidates = [];
  a.onicecandidate = (e) => {
    if (e.candidate) { candidates.push(e.candidate.candidate); b.addIceCandidate(e.candidate); }
  };
  b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate); };
  a.addTransceiver(track, { direction: 'sendonly' });
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const h264 = RTCRtpReceiver.getCapabilities('video').codecs
    .filter((c) => c.mimeType === 'video/H264');
  b.getTransceivers()[0].setCodecPreferences(h264);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  const stats = async () => {
    let out = { frames: 0, codec: '' };
    const report = await b.getStats();
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.frames = s.framesDecoded || 0;
        const codec = report.get(s.codecId);
        out.codec = codec ? codec.mimeType : '';
      }
    });
    return out;
  };
  for (let i = 0; i < 100; i++) {
    const s = await stats();
    if (s.frames >= 10) return { ...s, candidates };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...(await stats()), candidates };
}
"""


async def test_renders_a_local_vietnamese_page(tmp_path: Path) -> None:
    page_file = tmp_path / "index.html"
    page_file.write_text(PAGE, encoding="utf-8")
    async with chromium() as browser:
        page = await browser.new_page()
        console = console_of(page)
        await page.goto(page_file.as_uri())
        assert await page.title() == "Thử trình duyệt"
        assert await page.inner_text("#title") == "Camera Thái Nguyên: đang kết nối"
        box = await page.locator("#title").bounding_box()
        assert box is not None
        assert box["width"] > 100
        shot = await page.screenshot(path=tmp_path / "page.png")
    assert shot.startswith(b"\x89PNG\r\n\x1a\n"), console
    assert len(shot) > 1000


async def test_decodes_h264_over_webrtc_with_plain_ip_candidates() -> None:
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto("about:blank")
        receive = await page.evaluate("RTCRtpReceiver.getCapabilities('video').codecs")
        result = await page.evaluate(H264_LOOPBACK)
    assert "video/H264" in {c["mimeType"] for c in receive}
    assert result["codec"] == "video/H264", result
    assert result["frames"] >= 10, result
    assert result["candidates"], result
    assert not any(".local " in c for c in result["candidates"]), result
