"""Messages shown to technicians and managers, in Vietnamese (default) and English.

Messages are looked up by id so that code never builds user-facing sentences itself; a
missing translation falls back to English, and a missing id is a bug caught by the tests.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

MESSAGES: dict[str, dict[str, str]] = {
    # configuration
    "config.invalid": {
        "vi": "Tệp cấu hình {path} không hợp lệ ({count} lỗi):",
        "en": "The configuration file {path} is invalid ({count} problem(s)):",
    },
    "config.missing": {
        "vi": "Không tìm thấy tệp cấu hình {path}.",
        "en": "The configuration file {path} does not exist.",
    },
    "config.syntax": {
        "vi": "{path}: lỗi cú pháp TOML: {detail}",
        "en": "{path}: TOML syntax error: {detail}",
    },
    "config.unreadable": {
        "vi": "{path}: không đọc được tệp: {detail}",
        "en": "{path}: cannot read the file: {detail}",
    },
    "config.bad_value": {
        "vi": "[{section}] {key} = {value}: giá trị không hợp lệ, cần {expected}.",
        "en": "[{section}] {key} = {value}: invalid value, expected {expected}.",
    },
    "config.bad_env": {
        "vi": "biến môi trường {var} = {value}: giá trị không hợp lệ, cần {expected}.",
        "en": "environment variable {var} = {value}: invalid value, expected {expected}.",
    },
    "config.unknown_key": {
        "vi": "[{section}] {key}: khóa không được hỗ trợ (các khóa hợp lệ: {known}).",
        "en": "[{section}] {key}: unknown key (known keys: {known}).",
    },
    "config.unknown_section": {
        "vi": "[{section}]: mục không được hỗ trợ (các mục hợp lệ: {known}).",
        "en": "[{section}]: unknown section (known sections: {known}).",
    },
    # command line
    "cli.bad_kind": {
        "vi": "Loại '{value}' không hợp lệ; chọn một trong: {choices}.",
        "en": "Unknown kind '{value}'; choose one of: {choices}.",
    },
    "cli.bad_date": {
        "vi": "{option}: '{value}' không phải ngày hợp lệ (dạng NNNN-TT-NN, ví dụ 2026-11-30).",
        "en": "{option}: '{value}' is not a valid date (YYYY-MM-DD, e.g. 2026-11-30).",
    },
    "cli.bad_window": {
        "vi": "Ngày bắt đầu hiệu lực {valid_from} sau ngày kết thúc {valid_until}.",
        "en": "The validity start {valid_from} is after its end {valid_until}.",
    },
    "cli.no_paths": {
        "vi": "Không có tệp âm thanh nào trong {paths}.",
        "en": "No audio files found in {paths}.",
    },
    # tools
    "tool.missing": {
        "vi": "Không tìm thấy chương trình {tool}; hãy cài đặt: apt-get install {package}",
        "en": "The program {tool} is not installed; install it with: apt-get install {package}",
    },
    # import
    "import.not_found": {
        "vi": "{file}: tệp không tồn tại.",
        "en": "{file}: the file does not exist.",
    },
    "import.unreadable": {
        "vi": "{file}: không đọc được tệp ({detail}).",
        "en": "{file}: the file cannot be read ({detail}).",
    },
    "import.empty": {
        "vi": "{file}: tệp rỗng (0 byte).",
        "en": "{file}: the file is empty (0 bytes).",
    },
    "import.not_audio": {
        "vi": "{file}: không phải tệp âm thanh mà ffmpeg đọc được ({detail}).",
        "en": "{file}: not an audio file ffmpeg can read ({detail}).",
    },
    "import.no_audio_stream": {
        "vi": "{file}: tệp không có luồng âm thanh (chỉ có {streams}).",
        "en": "{file}: the file has no audio stream (only {streams}).",
    },
    "import.too_long": {
        "vi": "{file}: dài {duration}, vượt quá giới hạn {limit}.",
        "en": "{file}: {duration} long, longer than the limit of {limit}.",
    },
    "import.truncated": {
        "vi": "{file}: tệp bị cắt cụt hoặc hỏng: phần đầu tệp ghi {expected} nhưng chỉ giải mã được {decoded}.",
        "en": "{file}: the file is truncated or damaged: its header says {expected} but only {decoded} decodes.",
    },
    "import.decode_error": {
        "vi": "{file}: tệp bị hỏng, lỗi khi giải mã: {detail}",
        "en": "{file}: the file is damaged, decoding failed: {detail}",
    },
    "import.silent": {
        "vi": "{file}: tệp chỉ có khoảng lặng, không có âm thanh.",
        "en": "{file}: the file contains only silence.",
    },
    "import.too_short": {
        "vi": "{file}: phần có âm thanh chỉ dài {duration}, quá ngắn để đo độ lớn (tối thiểu 0,4 giây).",
        "en": "{file}: only {duration} of sound, too short to measure loudness (0.4 s at least).",
    },
    "import.ffmpeg_failed": {
        "vi": "{file}: ffmpeg không xử lý được tệp: {detail}",
        "en": "{file}: ffmpeg could not process the file: {detail}",
    },
    "import.store_failed": {
        "vi": "{file}: không lưu được vào thư viện {folder}: {detail}",
        "en": "{file}: cannot store into the library {folder}: {detail}",
    },
    "import.duplicate": {
        "vi": "{file}: trùng với bản đã có #{clip_id} «{title}».",
        "en": "{file}: duplicate of clip #{clip_id} “{title}”.",
    },
    "import.imported": {
        "vi": "{file}: đã nhập #{clip_id} «{title}» ({duration}, {loudness} LUFS).",
        "en": "{file}: imported #{clip_id} “{title}” ({duration}, {loudness} LUFS).",
    },
    "import.would_import": {
        "vi": "{file}: sẽ nhập «{title}» ({duration}, {loudness} LUFS).",
        "en": "{file}: would import “{title}” ({duration}, {loudness} LUFS).",
    },
    "import.summary": {
        "vi": "Đã nhập {imported}, trùng {duplicates}, lỗi {failed}.",
        "en": "Imported {imported}, duplicates {duplicates}, failed {failed}.",
    },
    "import.summary_dry": {
        "vi": "Chạy thử: sẽ nhập {imported}, trùng {duplicates}, lỗi {failed}. Thư viện không thay đổi.",
        "en": "Dry run: would import {imported}, duplicates {duplicates}, failed {failed}. The library is unchanged.",
    },
    "import.progress": {"vi": "Đang nhập", "en": "Importing"},
    # clips
    "clips.not_found": {
        "vi": "Thư viện không có tệp âm thanh số #{clip_id}.",
        "en": "There is no clip #{clip_id}.",
    },
    "clips.retired": {
        "vi": "Đã ngừng phát #{clip_id} «{title}»; bản ghi vẫn được giữ trong lịch sử.",
        "en": "Retired clip #{clip_id} “{title}”; it stays in the history.",
    },
    "clips.already_retired": {
        "vi": "#{clip_id} «{title}» đã ngừng phát từ trước.",
        "en": "Clip #{clip_id} “{title}” was already retired.",
    },
    "clips.empty": {
        "vi": "Thư viện chưa có tệp nào.",
        "en": "The library is empty.",
    },
    # database
    "db.newer": {
        "vi": "Cơ sở dữ liệu {url} được tạo bởi phiên bản playout mới hơn (lược đồ {revision}); hãy cập nhật playout.",
        "en": "The database {url} was made by a newer playout (schema {revision}); upgrade playout first.",
    },
    "db.cannot_open": {
        "vi": "Không mở được cơ sở dữ liệu {url}: {detail}",
        "en": "Cannot open the database {url}: {detail}",
    },
}

# Labels for values shown in tables and exports.
LABELS: dict[str, dict[str, str]] = {
    "kind.segment": {"vi": "chuyên mục", "en": "segment"},
    "kind.slogan": {"vi": "khẩu hiệu", "en": "slogan"},
    "kind.chime": {"vi": "nhạc hiệu", "en": "chime"},
    "kind.announcement": {"vi": "thông báo", "en": "announcement"},
    "kind.other": {"vi": "khác", "en": "other"},
    "col.id": {"vi": "Số", "en": "ID"},
    "col.title": {"vi": "Tiêu đề", "en": "Title"},
    "col.kind": {"vi": "Loại", "en": "Kind"},
    "col.programme": {"vi": "Chương trình", "en": "Programme"},
    "col.episode_date": {"vi": "Ngày phát hành", "en": "Episode date"},
    "col.duration": {"vi": "Thời lượng", "en": "Duration"},
    "col.loudness": {"vi": "Độ lớn (LUFS)", "en": "Loudness (LUFS)"},
    "col.valid": {"vi": "Hiệu lực", "en": "Valid"},
    "col.status": {"vi": "Trạng thái", "en": "Status"},
    "status.active": {"vi": "đang dùng", "en": "active"},
    "status.retired": {"vi": "ngừng phát", "en": "retired"},
    "field.loudness_before": {"vi": "Độ lớn gốc", "en": "Loudness before"},
    "field.loudness_after": {"vi": "Độ lớn sau chuẩn hóa", "en": "Loudness after"},
    "field.true_peak": {"vi": "Đỉnh thực", "en": "True peak"},
    "field.sample_rate": {"vi": "Tần số lấy mẫu", "en": "Sample rate"},
    "field.channels": {"vi": "Số kênh", "en": "Channels"},
    "field.content_hash": {"vi": "Mã băm nội dung", "en": "Content hash"},
    "field.original_name": {"vi": "Tên tệp gốc", "en": "Original file"},
    "field.imported_at": {"vi": "Thời điểm nhập", "en": "Imported at"},
    "field.path": {"vi": "Tệp trong thư viện", "en": "Library file"},
    "field.valid_from": {"vi": "Hiệu lực từ", "en": "Valid from"},
    "field.valid_until": {"vi": "Hiệu lực đến", "en": "Valid until"},
    "field.tags": {"vi": "Nhãn", "en": "Tags"},
}


def t(msg_id: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message `msg_id` in `lang`, with its parameters filled in."""
    entry = MESSAGES.get(msg_id) or LABELS[msg_id]
    template = entry.get(lang) or entry["en"]
    return template.format(**params)


def label(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    entry = LABELS[key]
    return entry.get(lang) or entry["en"]


def fmt_duration(ms: int) -> str:
    """Milliseconds as h:mm:ss (or m:ss under an hour), the way broadcasters write durations."""
    total = round(ms / 1000)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
