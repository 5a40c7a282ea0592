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
    "cli.date_out_of_range": {
        "vi": "{option}: {value} nằm ngoài khoảng ngày được hỗ trợ ({first} đến {last}).",
        "en": "{option}: {value} is outside the supported dates ({first} to {last}).",
    },
    "cli.not_text": {
        "vi": "Tham số '{value}' không phải văn bản UTF-8; hãy kiểm tra bảng mã của cửa sổ dòng lệnh.",
        "en": "The argument '{value}' is not UTF-8 text; check the terminal's character encoding.",
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
        "vi": "{file}: không đọc được tệp (lỗi hệ điều hành {code}).",
        "en": "{file}: the file cannot be read (system error {code}).",
    },
    "import.no_permission": {
        "vi": "{file}: không có quyền đọc tệp.",
        "en": "{file}: no permission to read the file.",
    },
    "import.empty": {
        "vi": "{file}: tệp rỗng (0 byte).",
        "en": "{file}: the file is empty (0 bytes).",
    },
    "import.not_audio": {
        "vi": "{file}: không phải tệp âm thanh mà ffmpeg đọc được.",
        "en": "{file}: not an audio file ffmpeg can read.",
    },
    "import.image": {
        "vi": "{file}: đây là một tấm ảnh ({format}), không phải âm thanh.",
        "en": "{file}: this is a picture ({format}), not audio.",
    },
    "import.video_no_sound": {
        "vi": "{file}: tệp video không có luồng âm thanh.",
        "en": "{file}: a video file with no audio stream.",
    },
    "import.no_audio_stream": {
        "vi": "{file}: tệp không có luồng âm thanh.",
        "en": "{file}: the file has no audio stream.",
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
        "vi": "{file}: tệp bị hỏng, có đoạn không giải mã được.",
        "en": "{file}: the file is damaged: part of it cannot be decoded.",
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
        "vi": "{file}: ffmpeg không chuyển đổi được tệp.",
        "en": "{file}: ffmpeg could not convert the file.",
    },
    "import.timeout": {
        "vi": "{file}: ffmpeg xử lý tệp quá lâu nên đã bị dừng.",
        "en": "{file}: ffmpeg took too long on the file and was stopped.",
    },
    "import.store_failed": {
        "vi": "{file}: không lưu được vào thư viện {folder} (lỗi hệ điều hành {code}).",
        "en": "{file}: cannot store into the library {folder} (system error {code}).",
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
    # schedules
    "schedule.syntax": {
        "vi": "cột {column}: lỗi cú pháp TOML: {detail}",
        "en": "column {column}: TOML syntax error: {detail}",
    },
    "schedule.not_utf8": {
        "vi": "tệp không phải văn bản UTF-8 (byte {byte}); hãy lưu lại với bảng mã UTF-8.",
        "en": "the file is not UTF-8 text (byte {byte}); save it again as UTF-8.",
    },
    "schedule.bom": {
        "vi": "tệp bắt đầu bằng dấu BOM (do Notepad ghi); vẫn đọc được.",
        "en": "the file starts with a byte-order mark (as Notepad writes); it is read anyway.",
    },
    "schedule.empty": {
        "vi": "tệp không có khung giờ nào ([[slot]]).",
        "en": "the file has no slots ([[slot]]).",
    },
    "schedule.unknown_key": {
        "vi": "khóa '{key}' không được hỗ trợ (các khóa hợp lệ: {known}).",
        "en": "unknown key '{key}' (known keys: {known}).",
    },
    "schedule.no_times": {
        "vi": "times = []: cần ít nhất một giờ phát, ví dụ [\"05:30\"].",
        "en": "times = []: at least one time is needed, e.g. [\"05:30\"].",
    },
    "schedule.missing_key": {
        "vi": "thiếu khóa '{key}'.",
        "en": "the key '{key}' is missing.",
    },
    "schedule.slot_not_table": {
        "vi": "khung giờ phải viết dạng [[slot]] và mục phát dạng [[slot.item]].",
        "en": "slots must be written as [[slot]] tables and items as [[slot.item]].",
    },
    "schedule.bad_slot_id": {
        "vi": "id {value} không hợp lệ: cần chữ thường không dấu, số, '-' hoặc '_' (ví dụ \"phien-sang\").",
        "en": "id {value} is invalid: use lower-case letters without accents, digits, '-' or '_' (e.g. \"phien-sang\").",
    },
    "schedule.bad_zones": {
        "vi": "zones = {value} không hợp lệ: cần danh sách id vùng loa, ví dụ [\"xa-a\", \"ap-3\"].",
        "en": "zones = {value} is invalid: expected a list of zone ids, e.g. [\"xa-a\", \"ap-3\"].",
    },
    "schedule.bad_text": {
        "vi": "{key} = {value}: cần một đoạn văn bản.",
        "en": "{key} = {value}: expected a text.",
    },
    "schedule.bad_time": {
        "vi": "giờ {value} không hợp lệ: cần dạng GG:PP, ví dụ \"05:30\".",
        "en": "time {value} is invalid: expected HH:MM, e.g. \"05:30\".",
    },
    "schedule.impossible_time": {
        "vi": "giờ {value} không tồn tại: giờ từ 00 đến 23, phút từ 00 đến 59.",
        "en": "time {value} does not exist: hours run 00-23, minutes 00-59.",
    },
    "schedule.bad_date": {
        "vi": "ngày {value} không hợp lệ: cần dạng NNNN-TT-NN có thật, ví dụ 2026-11-30.",
        "en": "date {value} is invalid: expected a real date as YYYY-MM-DD, e.g. 2026-11-30.",
    },
    "schedule.bad_weekday": {
        "vi": "thứ {value} không hợp lệ: dùng mon..sun hoặc t2..t7, cn, hoặc \"daily\".",
        "en": "weekday {value} is invalid: use mon..sun or t2..t7, cn, or \"daily\".",
    },
    "schedule.bad_monthly": {
        "vi": "quy tắc tháng {value} không hợp lệ: viết dạng \"first sat\", \"2nd mon\", \"last fri\".",
        "en": "monthly rule {value} is invalid: write it as \"first sat\", \"2nd mon\", \"last fri\".",
    },
    "schedule.bad_number": {
        "vi": "giá trị {value} không hợp lệ: cần số nguyên từ {lo} đến {hi}.",
        "en": "value {value} is invalid: expected a whole number from {lo} to {hi}.",
    },
    "schedule.bad_choice": {
        "vi": "{key} = {value}: chọn một trong: {choices}.",
        "en": "{key} = {value}: choose one of: {choices}.",
    },
    "schedule.bad_clip_ref": {
        "vi": "tham chiếu bài {value} không hợp lệ: cần tiêu đề hoặc số của bài trong thư viện.",
        "en": "clip reference {value} is invalid: expected a clip title or number.",
    },
    "schedule.bad_rotation": {
        "vi": "rotation = {value}: cần ít nhất một trong kind, programme, tag, ví dụ {{ kind = \"slogan\", count = 2 }}.",
        "en": "rotation = {value}: needs at least one of kind, programme, tag, e.g. {{ kind = \"slogan\", count = 2 }}.",
    },
    "schedule.window_reversed": {
        "vi": "ngày bắt đầu hiệu lực {valid_from} sau ngày kết thúc {valid_until}.",
        "en": "valid_from {valid_from} is after valid_until {valid_until}.",
    },
    "schedule.hard_end_and_max": {
        "vi": "chỉ dùng một trong hard_end và max_minutes.",
        "en": "use either hard_end or max_minutes, not both.",
    },
    "schedule.hard_end_needs_one_time": {
        "vi": "hard_end chỉ dùng khi khung giờ có một giờ phát; với nhiều giờ phát hãy dùng max_minutes.",
        "en": "hard_end needs a slot with one time; with several times use max_minutes.",
    },
    "schedule.hard_end_before_start": {
        "vi": "giờ kết thúc {hard_end} không sau giờ bắt đầu {start}.",
        "en": "hard_end {hard_end} is not after the start {start}.",
    },
    "schedule.no_items": {
        "vi": "khung giờ {slot} không có mục phát nào ([[slot.item]]).",
        "en": "slot {slot} has nothing to play (no [[slot.item]]).",
    },
    "schedule.item_what": {
        "vi": "mỗi mục phát cần đúng một trong clip, latest, rotation, relay (có: {found}).",
        "en": "each item needs exactly one of clip, latest, rotation, relay (found: {found}).",
    },
    "schedule.bad_relay": {
        "vi": "relay = {value}: cần địa chỉ luồng (http://, https://, rtsp://, …) hoặc \"line-in\".",
        "en": "relay = {value}: needs a stream address (http://, https://, rtsp://, …) or \"line-in\".",
    },
    "schedule.relay_only": {
        "vi": "{key} chỉ dùng cho mục tiếp âm (relay = …).",
        "en": "{key} is only for a relay item (relay = …).",
    },
    "schedule.relay_length": {
        "vi": "khung giờ '{slot}': mục tiếp âm cần minutes = số phút, hoặc khung giờ có hard_end / max_minutes.",
        "en": "slot '{slot}': a relay item needs minutes = N, or the slot a hard_end / max_minutes.",
    },
    "schedule.duplicate_slot": {
        "vi": "id khung giờ '{slot}' đã dùng ở {other}.",
        "en": "slot id '{slot}' is already used at {other}.",
    },
    "schedule.two_chimes": {
        "vi": "nhạc hiệu của đài đã được khai báo khác ở {other}.",
        "en": "the station chime is already set differently at {other}.",
    },
    "schedule.unknown_clip": {
        "vi": "không có bài {clip} trong thư viện.",
        "en": "there is no clip {clip} in the library.",
    },
    "schedule.unknown_zone": {
        "vi": "không có vùng loa {zone} trong playout.toml (các vùng: {known}).",
        "en": "there is no zone {zone} in playout.toml (zones: {known}).",
    },
    "schedule.ambiguous_clip": {
        "vi": "có nhiều bài tên {clip} ({ids}); hãy ghi số bài.",
        "en": "several clips are called {clip} ({ids}); use the clip number.",
    },
    "schedule.unknown_programme": {
        "vi": "thư viện chưa có chuyên mục nào của chương trình «{programme}».",
        "en": "the library has no segment of the programme “{programme}”.",
    },
    "schedule.empty_pool": {
        "vi": "nhóm luân phiên ({pool}) không có bài nào đang dùng.",
        "en": "the rotation pool ({pool}) has no active clip.",
    },
    "schedule.pool_of_one": {
        "vi": "nhóm luân phiên ({pool}) chỉ có một bài («{title}»).",
        "en": "the rotation pool ({pool}) has only one clip (“{title}”).",
    },
    "schedule.no_station_chime": {
        "vi": "khung giờ {slot} dùng nhạc hiệu của đài nhưng chưa khai báo: thêm [station] chime = \"...\".",
        "en": "slot {slot} uses the station chime but none is set: add [station] chime = \"...\".",
    },
    "schedule.window_ended": {
        "vi": "khung giờ {slot} đã hết hiệu lực từ {date}.",
        "en": "slot {slot} ended on {date}.",
    },
    "schedule.no_episode_next": {
        "vi": "chưa có số mới của «{programme}» cho lần phát {when} ({slot}).",
        "en": "no episode of “{programme}” for its airing at {when} ({slot}).",
    },
    "schedule.cannot_fit": {
        "vi": "khung giờ {slot} lúc {when} cần {needed} nhưng giờ kết thúc chỉ cho {limit}.",
        "en": "slot {slot} at {when} needs {needed} but its hard end allows {limit}.",
    },
    "schedule.no_record": {
        "vi": "không có trong nhật ký phát (playout không chạy lúc đó?)",
        "en": "not in the airing log (was playout not running?)",
    },
    "schedule.overlap": {
        "vi": "khung giờ {other} lúc {when} trùng với {slot} (kéo dài đến {end}) cùng mức ưu tiên.",
        "en": "slot {other} at {when} overlaps {slot} (running until {end}) at the same priority.",
    },
    "schedule.conflict": {
        "vi": "khung giờ {other} lúc {when} trùng với {slot} (kéo dài đến {end}); khung ưu tiên cao hơn được phát.",
        "en": "slot {other} at {when} overlaps {slot} (running until {end}); the higher priority wins.",
    },
    "schedule.io": {
        "vi": "không đọc được tệp: {detail}",
        "en": "cannot read the file: {detail}",
    },
    "schedule.no_folder": {
        "vi": "Không có thư mục lịch phát {folder}.",
        "en": "The schedules folder {folder} does not exist.",
    },
    "schedule.check_ok": {
        "vi": "Lịch phát hợp lệ: {slots} khung giờ trong {files} tệp, {warnings} cảnh báo.",
        "en": "The schedule is valid: {slots} slots in {files} files, {warnings} warning(s).",
    },
    "schedule.check_failed": {
        "vi": "Lịch phát có {errors} lỗi, {warnings} cảnh báo.",
        "en": "The schedule has {errors} error(s) and {warnings} warning(s).",
    },
    "schedule.has_errors": {
        "vi": "Lịch phát có lỗi; hãy chạy: playout schedule check",
        "en": "The schedule has errors; run: playout schedule check",
    },
    "schedule.error": {"vi": "lỗi", "en": "error"},
    "schedule.warning": {"vi": "cảnh báo", "en": "warning"},
    "cli.bad_week": {
        "vi": "--week: '{value}' không phải tuần hợp lệ (dạng NNNN-Wtt, ví dụ 2026-W48).",
        "en": "--week: '{value}' is not a valid ISO week (YYYY-Www, e.g. 2026-W48).",
    },
    "cli.bad_range": {
        "vi": "--from {start} sau --to {end}.",
        "en": "--from {start} is after --to {end}.",
    },
    "cli.range_too_long": {
        "vi": "Khoảng thời gian quá dài ({days} ngày); tối đa {limit} ngày.",
        "en": "The period is too long ({days} days); at most {limit} days.",
    },
    "cli.one_period": {
        "vi": "Chỉ chọn một trong --week, --date, hoặc --from/--to.",
        "en": "Choose one of --week, --date, or --from/--to.",
    },
    # selection
    "select.chime_unavailable": {
        "vi": "nhạc hiệu {clip} không có hoặc không còn hiệu lực",
        "en": "chime {clip} is missing or not valid",
    },
    "select.clip_unavailable": {
        "vi": "bài {clip} không có, đã ngừng phát hoặc hết hiệu lực",
        "en": "clip {clip} is missing, retired or not valid",
    },
    "select.no_episode": {
        "vi": "chưa có số nào của «{programme}»",
        "en": "no episode of “{programme}”",
    },
    "select.no_new_episode": {
        "vi": "chưa có số mới của «{programme}» (số gần nhất «{title}» đã phát)",
        "en": "no new episode of “{programme}” (the latest, “{title}”, already aired)",
    },
    "select.empty_pool": {
        "vi": "nhóm luân phiên ({pool}) không có bài hợp lệ",
        "en": "no valid clip in the rotation pool ({pool})",
    },
    "select.past_hard_end": {
        "vi": "«{title}» vượt quá giờ kết thúc",
        "en": "“{title}” would run past the hard end",
    },
    # clips
    "clips.not_found": {
        "vi": "Thư viện không có tệp âm thanh số #{clip_id}.",
        "en": "There is no clip #{clip_id}.",
    },
    "zones.not_found": {
        "vi": "Không có vùng loa {zones} (các vùng: {known}).",
        "en": "There is no zone {zones} (zones: {known}).",
    },
    # the registry of IP loudspeakers (speakers.toml)
    "speakers.syntax": {
        "vi": "lỗi cú pháp TOML: {detail}",
        "en": "TOML syntax error: {detail}",
    },
    "speakers.unreadable": {"vi": "không đọc được tệp: {detail}", "en": "cannot read the file: {detail}"},
    "speakers.not_utf8": {
        "vi": "tệp không phải văn bản UTF-8 (byte {byte}); hãy lưu lại dạng UTF-8.",
        "en": "the file is not UTF-8 text (byte {byte}); save it as UTF-8.",
    },
    "speakers.unknown_key": {
        "vi": "khóa {key} không được hỗ trợ (các khóa hợp lệ: {known}).",
        "en": "unknown key {key} (known keys: {known}).",
    },
    "speakers.not_tables": {
        "vi": "mỗi loa là một bảng [[speaker]].",
        "en": "each speaker is a [[speaker]] table.",
    },
    "speakers.bad_text": {
        "vi": "{key} phải là một dòng chữ trong ngoặc kép (tối đa 200 ký tự).",
        "en": "{key} must be one line of text in quotes (at most 200 characters).",
    },
    "speakers.missing": {
        "vi": "loa này thiếu {key}.",
        "en": "this speaker has no {key}.",
    },
    "speakers.bad_id": {
        "vi": "id = \"{value}\" không hợp lệ: cần chữ không dấu, số, \"-\", \"_\" hoặc \".\", ví dụ \"ap3-01\".",
        "en": "id = \"{value}\" is invalid: expected letters, digits, \"-\", \"_\" or \".\", e.g. \"ap3-01\".",
    },
    "speakers.duplicate": {
        "vi": "id = \"{value}\" đã dùng cho một loa khác.",
        "en": "id = \"{value}\" is already another speaker's.",
    },
    "speakers.unknown_zone": {
        "vi": "không có vùng loa {zone} trong playout.toml (các vùng: {known}).",
        "en": "there is no zone {zone} in playout.toml (zones: {known}).",
    },
    "speakers.not_icecast": {
        "vi": "vùng loa {zone} không phát qua Icecast: loa IP chỉ thuộc vùng có icecast = \"…\".",
        "en": "zone {zone} is not an Icecast mount: IP speakers belong to zones with icecast = \"…\".",
    },
    "speakers.bad_ip": {
        "vi": "ip = \"{value}\" không phải địa chỉ IP (ví dụ \"10.8.0.21\").",
        "en": "ip = \"{value}\" is not an IP address (e.g. \"10.8.0.21\").",
    },
    "speakers.unrecognisable": {
        "vi": "loa {id} cần ip hoặc user để nhận ra nó trong danh sách người nghe của Icecast.",
        "en": "speaker {id} needs an ip or a user to be recognised among Icecast's listeners.",
    },
    "speakers.same_listener": {
        "vi": "loa {id} được nhận ra giống hệt loa {other} (cùng vùng, ip và user): hãy thêm user cho mỗi loa.",
        "en": "speaker {id} would be recognised exactly like speaker {other} (same zone, ip and user): give each a user.",
    },
    "speakers.file_has_errors": {
        "vi": "Tệp danh sách loa có lỗi; hãy sửa rồi chạy lại.",
        "en": "The speakers file has errors; fix them and run again.",
    },
    "speakers.none": {
        "vi": "Chưa đăng ký loa IP nào (tệp {path}).",
        "en": "No IP speaker is registered (file {path}).",
    },
    "speakers.daemon_down": {
        "vi": "Không hỏi được playout đang chạy ({detail}): chưa rõ loa nào đang kết nối.",
        "en": "The running playout cannot be asked ({detail}): who is connected is not known.",
    },
    "clips.retired": {
        "vi": "Đã ngừng phát #{clip_id} «{title}»; bản ghi vẫn được giữ trong lịch sử.",
        "en": "Retired clip #{clip_id} “{title}”; it stays in the history.",
    },
    "clips.already_retired": {
        "vi": "#{clip_id} «{title}» đã ngừng phát từ trước.",
        "en": "Clip #{clip_id} “{title}” was already retired.",
    },
    "clips.none_match": {
        "vi": "Không có bài nào khớp bộ lọc (xem tất cả: playout clips list).",
        "en": "No clip matches the filter (all of them: playout clips list).",
    },
    "clips.empty": {
        "vi": "Thư viện chưa có tệp nào.",
        "en": "The library is empty.",
    },
    # daemon
    "daemon.not_running": {
        "vi": "Không liên lạc được với playout đang chạy ở {address} ({detail}); hãy khởi động: playout run",
        "en": "No running playout answers at {address} ({detail}); start it with: playout run",
    },
    "daemon.refused": {
        "vi": "playout từ chối yêu cầu: {detail}",
        "en": "playout refused the request: {detail}",
    },
    "daemon.no_clip": {
        "vi": "Không tìm thấy bài «{clip}» trong thư viện (ghi số bài hoặc đúng tiêu đề).",
        "en": "No clip “{clip}” in the library (give its number or exact title).",
    },
    "daemon.ambiguous_clip": {
        "vi": "Có nhiều bài tên «{clip}» ({ids}); hãy ghi số bài.",
        "en": "Several clips are called “{clip}” ({ids}); give the clip number.",
    },
    "daemon.clip_retired": {
        "vi": "Bài #{clip_id} «{title}» đã ngừng phát.",
        "en": "Clip #{clip_id} “{title}” is retired.",
    },
    "problem.log_backlog": {
        "vi": "CẢNH BÁO: không ghi được nhật ký phát ({error}); {count} bản ghi đang giữ trong bộ nhớ, sẽ ghi khi được. Hãy giải phóng dung lượng đĩa.",
        "en": "WARNING: the airing log cannot be written ({error}); {count} record(s) kept in memory until it can. Free disk space.",
    },
    "problem.output_failed": {
        "vi": "CẢNH BÁO: đầu ra {output} đang lỗi: {detail}. Kiểm tra card âm thanh / bộ khuếch đại.",
        "en": "WARNING: the output {output} has failed: {detail}. Check the sound card / amplifier.",
    },
    "problem.relay_lost": {
        "vi": "Tiếp âm trên {output}: mất nguồn {detail}; đang phát im lặng và thử kết nối lại mỗi 3 giây.",
        "en": "Relay on {output}: the source {detail} is lost; silence airs and it is tried again every 3 s.",
    },
    "problem.output_unheard": {
        "vi": "CẢNH BÁO: giám sát đầu ra {output}: bài vừa phát không nghe thấy trọn vẹn ({detail}).",
        "en": "WARNING: output monitor on {output}: the last item was not heard whole ({detail}).",
    },
    "problem.monitor_failed": {
        "vi": "CẢNH BÁO: không giám sát được đầu ra {output}: {detail}",
        "en": "WARNING: the output {output} cannot be monitored: {detail}",
    },
    "problem.log_journal": {
        "vi": "CẢNH BÁO: không ghi được nhật ký phát ({error}); {count} bản ghi đang giữ an toàn trong tệp nhật ký dự phòng, sẽ ghi khi được. Hãy giải phóng dung lượng đĩa.",
        "en": "WARNING: the airing log cannot be written ({error}); {count} record(s) are safe in the journal until it can. Free disk space.",
    },
    "problem.speakers_file": {
        "vi": "CẢNH BÁO: danh sách loa IP có lỗi (đang dùng các loa hợp lệ): {detail}",
        "en": "WARNING: the IP speakers registry has a mistake (the valid speakers are used): {detail}",
    },
    "problem.speakers_unknown": {
        "vi": "CẢNH BÁO: vùng {zone}: không biết loa nào đang kết nối: {detail}",
        "en": "WARNING: zone {zone}: which speakers are connected is not known: {detail}",
    },
    "problem.not_ready": {
        "vi": "CẢNH BÁO: chưa sẵn sàng phát {occurrence}: {detail}",
        "en": "WARNING: not ready to air {occurrence}: {detail}",
    },
    "daemon.port_busy": {
        "vi": "Không mở được ổ cắm điều khiển {address}: {detail} (playout đã chạy rồi? Đổi chỗ: [daemon] control_socket trong playout.toml hoặc PLAYOUT_DAEMON_CONTROL_SOCKET)",
        "en": "Cannot open the control socket {address}: {detail} (is playout already running? Another place: [daemon] control_socket in playout.toml or PLAYOUT_DAEMON_CONTROL_SOCKET)",
    },
    "daemon.not_permitted": {
        "vi": "Tài khoản {user} không được điều khiển playout ({socket}): hãy nhờ quản trị thêm vào nhóm của đài (sudo adduser {user} {group}), rồi đăng nhập lại.",
        "en": "The account {user} may not control playout ({socket}): ask for it to be added to the station's group (sudo adduser {user} {group}), then log in again.",
    },
    "control.not_in_group": {
        "vi": "Tài khoản {user} không thuộc nhóm {group} nên không được điều khiển playout.",
        "en": "The account {user} is not in the group {group}, so it may not control playout.",
    },
    "control.not_permitted": {
        "vi": "Tài khoản {user} không được phát, bỏ qua hay nạp lại lịch.",
        "en": "The account {user} may not air, skip or reload the schedule.",
    },
    "control.bad_level": {
        "vi": "Mức phát «{value}» không hợp lệ; cần một trong: {choices}.",
        "en": "The level “{value}” is not valid; expected one of: {choices}.",
    },
    "control.bad_field": {
        "vi": "Trường {field} = «{value}» không hợp lệ; cần {expected}.",
        "en": "The field {field} = “{value}” is not valid; expected {expected}.",
    },
    "control.unknown_field": {
        "vi": "Yêu cầu có trường lạ «{field}»; chỉ nhận: {known}.",
        "en": "The request has an unknown field “{field}”; accepted: {known}.",
    },
    "control.not_found": {"vi": "Không có lệnh điều khiển {path}.", "en": "There is no control command {path}."},
    "control.bad_host": {
        "vi": "Yêu cầu gửi tới tên máy lạ «{host}» bị từ chối.",
        "en": "A request for the unknown host name “{host}” is refused.",
    },
    "control.browser": {
        "vi": "Yêu cầu từ một trang web bị từ chối: giao diện điều khiển chỉ dành cho lệnh playout.",
        "en": "A request from a web page is refused: the control interface is for the playout command only.",
    },
    "control.not_json": {
        "vi": "Nội dung yêu cầu phải là application/json, không phải {type}.",
        "en": "The request body must be application/json, not {type}.",
    },
    "control.bad_json": {
        "vi": "Nội dung yêu cầu không phải một đối tượng JSON hợp lệ.",
        "en": "The request body is not a valid JSON object.",
    },
    "control.bad_length": {
        "vi": "Độ dài nội dung yêu cầu «{value}» không hợp lệ.",
        "en": "The request's body length “{value}” is not valid.",
    },
    "control.too_large": {
        "vi": "Nội dung yêu cầu lớn hơn {limit} byte.",
        "en": "The request body is larger than {limit} bytes.",
    },
    "control.too_slow": {
        "vi": "Yêu cầu không được gửi hết trong {seconds} giây; đã ngắt.",
        "en": "The request was not sent in full within {seconds} s; dropped.",
    },
    "daemon.cannot_record": {
        "vi": "Không khởi động: không ghi được nhật ký phát vào {path} ({detail}) và không có chỗ cho tệp nhật ký dự phòng; playout không phát khi không ghi lại được. Hãy giải phóng dung lượng đĩa rồi chạy lại.",
        "en": "Not starting: the airing log cannot be written to {path} ({detail}) and there is no room for its journal; playout does not air what it cannot record. Free disk space and start it again.",
    },
    "daemon.disk_full": {
        "vi": "Không khởi động: đĩa đầy ({detail}). Hãy giải phóng dung lượng đĩa rồi chạy lại.",
        "en": "Not starting: the disk is full ({detail}). Free disk space and start it again.",
    },
    "daemon.already_running": {
        "vi": "Một playout khác đang chạy trên cơ sở dữ liệu {database} (tiến trình {pid}); mỗi đài chỉ chạy một playout.",
        "en": "Another playout daemon is running on the database {database} (process {pid}); a station runs one.",
    },
    "daemon.air_now": {
        "vi": "Đang phát ngay ({level}): #{clip_id} «{title}».",
        "en": "Airing now ({level}): #{clip_id} “{title}”.",
    },
    "daemon.skipped": {"vi": "Đã bỏ qua bài đang phát.", "en": "Skipped the current item."},
    "daemon.reloaded": {"vi": "Đã nạp lại lịch phát.", "en": "The schedule was reloaded."},
    "daemon.nothing_playing": {"vi": "Không có bài nào đang phát.", "en": "Nothing is playing."},
    "live.busy": {
        "vi": "Đang có một lượt phát trực tiếp của {actor}; chờ lượt đó kết thúc.",
        "en": "{actor} is already live; wait until that live ends.",
    },
    "live.not_yours": {
        "vi": "Lượt phát trực tiếp này đã kết thúc hoặc không phải của tài khoản này.",
        "en": "This live has ended or is not this account's.",
    },
    "live.bad_chunk": {
        "vi": "Âm thanh gửi lên không hợp lệ ({size} byte); lượt phát trực tiếp vẫn tiếp tục.",
        "en": "The sound sent is not valid ({size} bytes); the live goes on.",
    },
    "live.nothing_said": {
        "vi": "Không nhận được âm thanh nào từ micrô; không có gì để lưu.",
        "en": "No sound came from the microphone; nothing to keep.",
    },
    "live.started": {
        "vi": "Đang phát trực tiếp ({level}): {title}.",
        "en": "Live ({level}): {title}.",
    },
    "simulate.done": {
        "vi": "Đã mô phỏng {days} ngày ({occurrences} lần phát, {rows} dòng nhật ký) vào {db} trong {seconds} giây.",
        "en": "Simulated {days} days ({occurrences} airings, {rows} log rows) into {db} in {seconds} s.",
    },
    "cli.year_or_range": {
        "vi": "Chỉ chọn một trong --year hoặc --from/--to.",
        "en": "Choose either --year or --from/--to.",
    },
    "cli.bad_year": {
        "vi": "Năm {value} không hợp lệ (từ {first} đến {last}).",
        "en": "Year {value} is not valid (from {first} to {last}).",
    },
    "cli.bad_outcome": {
        "vi": "Kết quả '{value}' không hợp lệ; chọn một trong: {choices}.",
        "en": "Unknown outcome '{value}'; choose one of: {choices}.",
    },
    "cli.unknown_programme": {
        "vi": "Không có chương trình «{value}» trong thư viện hay nhật ký (có: {known}).",
        "en": "No programme “{value}” in the library or the log (known: {known}).",
    },
    "cli.bad_format": {
        "vi": "Định dạng '{value}' không hợp lệ; chọn một trong: {choices}.",
        "en": "Unknown format '{value}'; choose one of: {choices}.",
    },
    "cli.bad_lang": {
        "vi": "Ngôn ngữ '{value}' không hợp lệ; chọn vi hoặc en.",
        "en": "Unknown language '{value}'; choose vi or en.",
    },
    "cli.needs_out": {
        "vi": "Định dạng {format} cần --out TỆP.",
        "en": "The {format} format needs --out FILE.",
    },
    "out.no_folder": {
        "vi": "Thư mục {folder} không tồn tại; không ghi gì.",
        "en": "The folder {folder} does not exist; nothing was written.",
    },
    "out.not_writable": {
        "vi": "Không có quyền ghi vào thư mục {folder}; không ghi gì.",
        "en": "The folder {folder} is not writable; nothing was written.",
    },
    "out.is_folder": {"vi": "{path} là một thư mục.", "en": "{path} is a folder."},
    "out.exists": {
        "vi": "Tệp {path} đã có; thêm --force để ghi đè.",
        "en": "{path} exists already; add --force to replace it.",
    },
    "out.written": {
        "vi": "Đã ghi {rows} dòng vào {path}.",
        "en": "Wrote {rows} rows to {path}.",
    },
    "db.missing_file": {
        "vi": "Không có tệp cơ sở dữ liệu {path}.",
        "en": "The database file {path} does not exist.",
    },
    # database
    "db.newer": {
        "vi": "Cơ sở dữ liệu {url} được tạo bởi phiên bản playout mới hơn (lược đồ {revision}); hãy cập nhật playout.",
        "en": "The database {url} was made by a newer playout (schema {revision}); upgrade playout first.",
    },
    "db.damaged_no_room": {
        "vi": "Cơ sở dữ liệu {path} bị hỏng ({detail}) nhưng không có chỗ để giữ bản sao trước khi cứu ({error}); chưa thay đổi gì. Hãy giải phóng dung lượng đĩa.",
        "en": "The database {path} is damaged ({detail}) but there is no room to keep a copy before salvaging it ({error}); nothing was changed. Free disk space.",
    },
    "db.damaged": {
        "vi": "Cơ sở dữ liệu {path} bị hỏng ({detail}) và không cứu được; bản sao giữ tại {copy}. Hãy chép bản sao lưu gần nhất (playout db backup) vào chỗ của nó.",
        "en": "The database {path} is damaged ({detail}) and could not be salvaged; a copy is kept at {copy}. Put the latest backup (playout db backup) in its place.",
    },
    "db.backup_unsupported": {
        "vi": "Chỉ sao lưu được cơ sở dữ liệu SQLite có tệp trên đĩa; {url} thì không. Hãy dùng công cụ sao lưu của máy chủ cơ sở dữ liệu.",
        "en": "Only a SQLite database file can be backed up this way, not {url}; use the database server's own backup tool.",
    },
    "db.backup_failed": {
        "vi": "Sao lưu vào {path} không thành: {detail}",
        "en": "The backup to {path} failed: {detail}",
    },
    "db.backup_done": {
        "vi": "Đã sao lưu cơ sở dữ liệu vào {path} ({airings} lượt phát, {clips} bài); bản sao đã được kiểm tra.",
        "en": "Database backed up to {path} ({airings} airings, {clips} clips); the copy was checked.",
    },
    "db.check_ok": {
        "vi": "Cơ sở dữ liệu {path} không có lỗi.",
        "en": "The database {path} is sound.",
    },
    "db.check_bad": {
        "vi": "Cơ sở dữ liệu {path} bị hỏng: {detail}",
        "en": "The database {path} is damaged: {detail}",
    },
    "db.check_orphans": {
        "vi": "{count} tệp âm thanh trong thư viện không thuộc bài nào (lần nhập bị dừng giữa chừng); lần nhập sau sẽ xoá: {files}",
        "en": "{count} audio file(s) in the library belong to no clip (an import was killed); the next import removes them: {files}",
    },
    "db.check_stray": {
        "vi": "{count} tệp tạm của lần nhập bị dừng giữa chừng trong {folder}; lần nhập sau sẽ xoá: {files}",
        "en": "{count} temporary file(s) of killed imports in {folder}; the next import removes them: {files}",
    },
    "problem.db_salvaged": {
        "vi": "CẢNH BÁO: cơ sở dữ liệu bị hỏng khi khởi động ({detail}); đã cứu {airings} lượt phát; bản hỏng giữ tại {copy}.",
        "en": "WARNING: the database was damaged at start-up ({detail}); {airings} airings were salvaged; the damaged copy is {copy}.",
    },
    "db.cannot_open": {
        "vi": "Không mở được cơ sở dữ liệu {url}: {detail}",
        "en": "Cannot open the database {url}: {detail}",
    },
    # the province link
    "province.not_configured": {
        "vi": "Đài này chưa nối với tỉnh: đặt [province] station_id và central_url trong playout.toml.",
        "en": "This station is not linked to a province: set [province] station_id and central_url in playout.toml.",
    },
    "province.no_central": {
        "vi": "Chưa biết địa chỉ cơ sở dữ liệu trung tâm của tỉnh: dùng --central URL hoặc [province] central_url.",
        "en": "The province's central database is not known: give --central URL or set [province] central_url.",
    },
    "province.station_not_sqlite": {
        "vi": "Chỉ đài dùng cơ sở dữ liệu SQLite riêng mới gửi số liệu lên tỉnh được.",
        "en": "Only a station with its own SQLite database forwards its records to a province.",
    },
    "province.station_id_changed": {
        "vi": "Đài này đã gửi số liệu lên tỉnh với mã «{old}»; không đổi sang «{new}» được (sẽ lẫn số liệu). Sửa lại [province] station_id.",
        "en": "This station already forwards to the province as “{old}”; it cannot become “{new}” (the records would mix). Put [province] station_id back.",
    },
    "province.unreachable": {
        "vi": "Không kết nối được máy chủ trung tâm của tỉnh ({detail}); {queued} bản ghi vẫn chờ và sẽ được gửi khi có kết nối.",
        "en": "Cannot reach the province's central server ({detail}); {queued} record(s) stay queued and are sent when the link is back.",
    },
    "province.forwarded": {
        "vi": "Đã gửi {count} thay đổi lên tỉnh (mã đài {station}); còn {queued} chờ gửi.",
        "en": "Forwarded {count} change(s) to the province as {station}; {queued} still queued.",
    },
    "province.status": {
        "vi": "Mã đài {station}: {queued} thay đổi chờ gửi; lần gửi được gần nhất {last}; lỗi gần nhất: {error}.",
        "en": "Station {station}: {queued} change(s) queued; last forwarded {last}; last error: {error}.",
    },
    "bulletin.decided": {
        "vi": "Bản tin \"{title}\": {state}.",
        "en": "Bulletin \"{title}\": {state}.",
    },
    "bulletin.outside_window": {
        "vi": "Bản tin \"{title}\" chỉ phát được từ {start} đến trước {end}: hãy chọn giờ trong khoảng đó.",
        "en": "Bulletin \"{title}\" can only air from {start} until before {end}: choose a time in between.",
    },
    "bulletin.scheduled": {
        "vi": "Đã xếp bản tin \"{title}\" vào lịch phát lúc {at} (tệp lịch {file}).",
        "en": "Bulletin \"{title}\" is in the schedule at {at} (schedule file {file}).",
    },
    "province.web_ready": {
        "vi": "Trang của tỉnh đang chạy tại {address} (Ctrl-C để dừng).",
        "en": "The province's page is served at {address} (Ctrl-C to stop).",
    },
    "province.account_ready": {
        "vi": "Tài khoản {role} chuyển dữ liệu cho đài {station}, và chỉ đọc, ghi được dữ liệu của đài {station}.",
        "en": "Account {role} forwards for station {station}, and can read and write only station {station}'s records.",
    },
    "province.no_such_role": {
        "vi": "Máy chủ trung tâm không có tài khoản {role}: tạo trước bằng createuser.",
        "en": "The central server has no account {role}: make it first with createuser.",
    },
    "province.bad_station_id": {
        "vi": "Mã đài {value!r} không hợp lệ: tối đa 64 chữ cái, chữ số, '-', '_' hoặc '.'.",
        "en": "Station id {value!r} is not valid: at most 64 letters, digits, '-', '_' or '.'.",
    },
    "province.central_ready": {
        "vi": "Cơ sở dữ liệu trung tâm {url} đã sẵn sàng (lược đồ mới nhất).",
        "en": "The central database {url} is ready (schema up to date).",
    },
    "bulletin.no_title": {
        "vi": "Bản tin cần có tiêu đề (--title).",
        "en": "A bulletin needs a title (--title).",
    },
    "bulletin.bad_level": {
        "vi": "Mức «{value}» không hợp lệ; chọn normal (thông thường), priority (ưu tiên) hoặc emergency (khẩn cấp).",
        "en": "Unknown level “{value}”; choose normal (thông thường), priority (ưu tiên) or emergency (khẩn cấp).",
    },
    "bulletin.bad_window": {
        "vi": "Thời hạn bản tin không hợp lệ: hết hạn ({end}) phải sau lúc bắt đầu ({start}).",
        "en": "Invalid validity window: its end ({end}) must come after its start ({start}).",
    },
    "bulletin.bad_time": {
        "vi": "{option} {value}: cần ngày giờ dạng YYYY-MM-DD HH:MM (giờ của đài).",
        "en": "{option} {value}: expected a date and time as YYYY-MM-DD HH:MM (station time).",
    },
    "bulletin.unreadable": {
        "vi": "Không đọc được tệp âm thanh {path}: {detail}",
        "en": "Cannot read the audio file {path}: {detail}",
    },
    "bulletin.bad_size": {
        "vi": "Tệp âm thanh {path} rỗng hoặc lớn hơn {limit} MB.",
        "en": "The audio file {path} is empty or larger than {limit} MB.",
    },
    "bulletin.bad_targets": {
        "vi": "Đài nhận không hợp lệ: ghi «all» hoặc các mã đài cách nhau bằng dấu phẩy.",
        "en": "Invalid targets: give “all” or station ids separated by commas.",
    },
    "bulletin.published": {
        "vi": "Đã phát hành bản tin «{title}» ({level}) cho {targets}, hiệu lực {start} – {end}; mã {uid}.",
        "en": "Published the bulletin “{title}” ({level}) to {targets}, valid {start} – {end}; id {uid}.",
    },
    "bulletin.not_found": {
        "vi": "Không có bản tin nào (duy nhất) có mã bắt đầu bằng «{uid}» (xem playout bulletin list).",
        "en": "No single bulletin has an id starting with “{uid}” (see playout bulletin list).",
    },
    "bulletin.not_waiting": {
        "vi": "Bản tin «{title}» không còn chờ duyệt (trạng thái: {state}).",
        "en": "The bulletin “{title}” is no longer waiting (state: {state}).",
    },
    "bulletin.expired": {
        "vi": "Bản tin «{title}» đã hết hạn; không phát.",
        "en": "The bulletin “{title}” has expired; it is not aired.",
    },
    "bulletin.not_yet": {
        "vi": "Bản tin «{title}» chỉ có hiệu lực từ {start}.",
        "en": "The bulletin “{title}” is valid only from {start}.",
    },
    "bulletin.accepted": {
        "vi": "Đã nhận bản tin «{title}»: phát sau lượt đang phát ({key}).",
        "en": "Accepted the bulletin “{title}”: it airs after the current airing ({key}).",
    },
    "bulletin.rejected": {
        "vi": "Đã từ chối bản tin «{title}».",
        "en": "Rejected the bulletin “{title}”.",
    },
    "bulletin.none": {
        "vi": "Chưa nhận bản tin nào từ tỉnh.",
        "en": "No bulletin received from the province yet.",
    },
    "bulletin.level.normal": {"vi": "thông thường", "en": "normal"},
    "bulletin.level.priority": {"vi": "ưu tiên", "en": "priority"},
    "bulletin.level.emergency": {"vi": "khẩn cấp", "en": "emergency"},
    "bulletin.state.waiting": {"vi": "chờ", "en": "waiting"},
    "bulletin.state.aired": {"vi": "đã phát", "en": "aired"},
    "bulletin.state.scheduled": {"vi": "đã xếp lịch", "en": "scheduled"},
    "bulletin.state.rejected": {"vi": "từ chối", "en": "rejected"},
    "bulletin.state.expired": {"vi": "hết hạn", "en": "expired"},
    "bulletin.state.failed": {"vi": "lỗi", "en": "failed"},
    # accounts and the web page
    "users.bad_name": {
        "vi": "Tên đăng nhập «{name}» không hợp lệ: dùng chữ, số, '.', '-', '_' hoặc '@' (tối đa 64 ký tự).",
        "en": "The login name “{name}” is invalid: use letters, digits, '.', '-', '_' or '@' (64 at most).",
    },
    "users.bad_role": {
        "vi": "Vai trò '{value}' không hợp lệ; chọn một trong: {choices}.",
        "en": "Unknown role '{value}'; choose one of: {choices}.",
    },
    "users.short_password": {
        "vi": "Mật khẩu quá ngắn: cần ít nhất {minimum} ký tự.",
        "en": "The password is too short: {minimum} characters at least.",
    },
    "users.exists": {"vi": "Tài khoản «{name}» đã có.", "en": "The account “{name}” exists already."},
    "users.not_found": {"vi": "Không có tài khoản «{name}».", "en": "There is no account “{name}”."},
    "users.mismatch": {"vi": "Hai lần nhập mật khẩu không khớp.", "en": "The two passwords do not match."},
    "users.prompt": {"vi": "Mật khẩu", "en": "Password"},
    "users.prompt_again": {"vi": "Nhập lại mật khẩu", "en": "Password again"},
    "users.added": {"vi": "Đã tạo tài khoản «{name}» ({role}).", "en": "Created the account “{name}” ({role})."},
    "users.removed": {"vi": "Đã xóa tài khoản «{name}».", "en": "Removed the account “{name}”."},
    "users.password_set": {
        "vi": "Đã đặt mật khẩu mới cho «{name}»; các phiên đăng nhập cũ đã kết thúc.",
        "en": "Set a new password for “{name}”; its earlier logins have ended.",
    },
    "users.none": {
        "vi": "Chưa có tài khoản nào. Tạo bằng: playout users add TÊN --role technician",
        "en": "No accounts yet. Create one with: playout users add NAME --role technician",
    },
    "web.port_busy": {
        "vi": "Không mở được địa chỉ trang web {address}: {detail} (playout đã chạy rồi? Đổi cổng: [web] port trong playout.toml hoặc PLAYOUT_WEB_PORT)",
        "en": "Cannot open the web page's address {address}: {detail} (is playout already running? Another port: [web] port in playout.toml or PLAYOUT_WEB_PORT)",
    },
    "web.bad_login": {"vi": "Sai tên đăng nhập hoặc mật khẩu.", "en": "Wrong name or password."},
    "web.throttled": {
        "vi": "Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút.",
        "en": "Too many failed logins. Try again in {minutes} minutes.",
    },
    "web.csrf": {
        "vi": "Biểu mẫu đã hết hạn hoặc không hợp lệ (thiếu mã bảo vệ). Hãy tải lại trang và thử lại.",
        "en": "The form has expired or is not valid (its protection code is missing). Reload the page and try again.",
    },
    "web.forbidden": {
        "vi": "Tài khoản của bạn ({role}) không được làm việc này.",
        "en": "Your account ({role}) may not do this.",
    },
    "web.not_found": {"vi": "Không có trang này.", "en": "There is no such page."},
    "web.login_needed": {"vi": "Hãy đăng nhập.", "en": "Please log in."},
    "web.bad_host": {
        "vi": "Trang này không phục vụ tên máy «{host}» (thêm vào [web] allowed_hosts nếu đúng là của đài).",
        "en": "This page does not serve the host name “{host}” (add it to [web] allowed_hosts if it is the station's).",
    },
    "web.bad_origin": {
        "vi": "Yêu cầu gửi từ một trang khác ({origin}) bị từ chối.",
        "en": "A request sent from another site ({origin}) is refused.",
    },
    "web.too_large": {
        "vi": "{file}: tệp lớn hơn giới hạn {limit} MB.",
        "en": "{file}: the file is larger than the limit of {limit} MB.",
    },
    "web.no_file": {"vi": "Chưa chọn tệp nào.", "en": "No file was chosen."},
    "web.daemon_down": {
        "vi": "Không hỏi được trạng thái của playout: {detail}",
        "en": "Cannot ask playout for its status: {detail}",
    },
    "web.logged_out": {"vi": "Đã đăng xuất.", "en": "Logged out."},
    "web.rows": {"vi": "{first}–{last} trong {total} lượt", "en": "{first}–{last} of {total} airings"},
    "web.clips_count": {"vi": "{shown} trong {total} bài", "en": "{shown} of {total} clips"},
    "web.confirm_retire": {
        "vi": "Ngừng phát hẳn bài #{clip_id} «{title}»? Bài vẫn còn trong thư viện và lịch sử.",
        "en": "Never air clip #{clip_id} “{title}” again? It stays in the library and the history.",
    },
    "web.no_zone": {"vi": "Hãy chọn ít nhất một vùng loa.", "en": "Choose at least one zone."},
    "web.confirm_air": {
        "vi": "Phát ngay bài #{clip_id} «{title}» ({duration}) ở mức {level}?",
        "en": "Air clip #{clip_id} “{title}” ({duration}) now at level {level}?",
    },
    "web.week_of": {"vi": "Tuần {week}: {first} – {last}", "en": "Week {week}: {first} – {last}"},
    "web.tally_of": {"vi": "Tổng hợp phát sóng năm {year}", "en": "Airing tally {year}"},
}

# Labels for values shown in tables and exports.
LABELS: dict[str, dict[str, str]] = {
    "kind.segment": {"vi": "chuyên mục", "en": "segment"},
    "kind.slogan": {"vi": "khẩu hiệu", "en": "slogan"},
    "kind.chime": {"vi": "nhạc hiệu", "en": "chime"},
    "kind.announcement": {"vi": "thông báo", "en": "announcement"},
    "kind.other": {"vi": "khác", "en": "other"},
    "kind.relay": {"vi": "tiếp âm", "en": "relay"},
    "col.id": {"vi": "Số", "en": "ID"},
    "col.start": {"vi": "Bắt đầu", "en": "Start"},
    "col.end": {"vi": "Kết thúc", "en": "End"},
    "col.slot": {"vi": "Khung giờ", "en": "Slot"},
    "col.notes": {"vi": "Ghi chú", "en": "Notes"},
    "col.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "outcome.pending": {"vi": "chờ phát", "en": "pending"},
    "outcome.in_progress": {"vi": "đang phát", "en": "in progress"},
    "outcome.aired": {"vi": "đã phát", "en": "aired"},
    "outcome.partial": {"vi": "phát một phần", "en": "partial"},
    "outcome.interrupted": {"vi": "bị ngắt", "en": "interrupted"},
    "outcome.failed": {"vi": "lỗi", "en": "failed"},
    "outcome.missed": {"vi": "bị lỡ", "en": "missed"},
    "outcome.skipped": {"vi": "bỏ qua", "en": "skipped"},
    "tally.heading": {"vi": "Tổng hợp phát sóng", "en": "Airing tally"},
    "tally.period": {"vi": "Thời gian", "en": "Period"},
    "tally.what": {"vi": "Chương trình / loại", "en": "Programme / kind"},
    "tally.clips": {"vi": "Số bài khác nhau", "en": "Distinct clips"},
    "tally.airings": {"vi": "Lượt phát", "en": "Airings"},
    "tally.airtime": {"vi": "Thời lượng phát", "en": "Airtime"},
    "tally.manual": {"vi": "Phát tay", "en": "Manual"},
    "tally.not_aired": {"vi": "Không phát được", "en": "Not aired"},
    "tally.by_month": {"vi": "Lượt phát theo tháng", "en": "Airings by month"},
    "tally.by_zone": {"vi": "Lượt phát theo vùng loa", "en": "Airings by zone"},
    "tally.zone": {"vi": "Vùng loa", "en": "Zone"},
    "tally.chart": {"vi": "Lượt phát theo tháng của từng chương trình", "en": "Monthly airings per programme"},
    "tally.nothing": {"vi": "Không có lượt phát nào trong thời gian này.", "en": "Nothing aired in this period."},
    "tally.unassigned": {"vi": "Mục không phát (không gắn với bài nào)", "en": "Items not aired (no clip)"},
    "province.station": {"vi": "Đài", "en": "Station"},
    "province.total": {"vi": "Toàn tỉnh", "en": "Province total"},
    "province.silent": {"vi": "mất liên lạc", "en": "silent"},
    "province.healthy": {"vi": "bình thường", "en": "healthy"},
    "province.last_heard": {"vi": "Liên lạc lần cuối", "en": "Last heard"},
    "province.rows": {"vi": "Bản ghi", "en": "Records"},
    "province.health": {"vi": "Tình trạng", "en": "Health"},
    "province.stations_count": {"vi": "đài", "en": "stations"},
    "province.table": {"vi": "Bảng chi tiết", "en": "Table"},
    "province.published": {"vi": "Phát hành", "en": "Published"},
    "province.valid": {"vi": "hiệu lực", "en": "valid"},
    "province.targets": {"vi": "Gửi tới", "en": "To"},
    "province.all_stations": {"vi": "tất cả các đài", "en": "every station"},
    "province.events": {"vi": "Đã nhận, đã phát", "en": "Received, aired"},
    "province.no_reports": {"vi": "Chưa đài nào báo nhận.", "en": "No station has reported it yet."},
    "bulletin.event.received": {"vi": "đã nhận", "en": "received"},
    "bulletin.event.waiting": {"vi": "chờ duyệt", "en": "waiting"},
    "bulletin.event.accepted": {"vi": "đã duyệt", "en": "accepted"},
    "bulletin.event.aired": {"vi": "đã phát", "en": "aired"},
    "bulletin.event.scheduled": {"vi": "đã xếp lịch", "en": "scheduled"},
    "bulletin.event.rejected": {"vi": "từ chối", "en": "rejected"},
    "bulletin.event.expired": {"vi": "hết hiệu lực", "en": "expired"},
    "bulletin.event.failed": {"vi": "không nhận được", "en": "failed"},
    "tally.rule": {
        "vi": "Chỉ tính các lượt đã phát trọn vẹn, và các lượt phát một phần từ {share}% thời lượng trở lên.",
        "en": "Counts complete airings, and partial airings of at least {share}% of the clip.",
    },
    "tally.sheet": {"vi": "Tổng hợp", "en": "Tally"},
    "tally.sheet_months": {"vi": "Theo tháng", "en": "By month"},
    "tally.sheet_zones": {"vi": "Theo vùng loa", "en": "By zone"},
    # The report in the administrative format of Nghị định 30/2020/NĐ-CP.
    "report.nation": {"vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "en": "SOCIALIST REPUBLIC OF VIET NAM"},
    "report.motto": {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"},
    "report.number": {"vi": "Số:", "en": "No.:"},
    "report.kind": {"vi": "BÁO CÁO", "en": "REPORT"},
    "report.default_title": {"vi": "Kết quả phát sóng {period}", "en": "Airing results, {period}"},
    "report.year": {"vi": "năm {year}", "en": "{year}"},
    "report.results": {"vi": "KẾT QUẢ PHÁT SÓNG", "en": "AIRING RESULTS"},
    "report.results_total": {"vi": "KẾT QUẢ PHÁT SÓNG TOÀN TỈNH", "en": "AIRING RESULTS, PROVINCE TOTAL"},
    "report.by_station": {"vi": "KẾT QUẢ PHÁT SÓNG TỪNG ĐÀI", "en": "AIRING RESULTS BY STATION"},
    "report.table": {"vi": "Bảng {n}. {name}", "en": "Table {n}. {name}"},
    "report.figure": {"vi": "Biểu đồ. {name}", "en": "Chart. {name}"},
    "report.recipients": {"vi": "Nơi nhận:", "en": "Recipients:"},
    "report.archive": {"vi": "Lưu: VT", "en": "File copy"},
    "report.signer_title": {"vi": "NGƯỜI BÁO CÁO", "en": "REPORTED BY"},
    "report.page": {"vi": "Trang", "en": "Page"},
    "bool.yes": {"vi": "có", "en": "yes"},
    "bool.no": {"vi": "không", "en": "no"},
    "export.sheet": {"vi": "Nhật ký phát sóng", "en": "Airing log"},
    "export.title_row": {"vi": "nhật ký phát sóng", "en": "airing log"},
    "export.scheduled": {"vi": "Giờ theo lịch", "en": "Scheduled"},
    "export.started": {"vi": "Bắt đầu phát", "en": "Started"},
    "export.ended": {"vi": "Kết thúc", "en": "Ended"},
    "export.slot": {"vi": "Khung giờ", "en": "Slot"},
    "export.position": {"vi": "Thứ tự", "en": "Position"},
    "export.title": {"vi": "Tiêu đề", "en": "Title"},
    "export.programme": {"vi": "Chương trình", "en": "Programme"},
    "export.kind": {"vi": "Loại", "en": "Kind"},
    "export.clip_id": {"vi": "Số bài", "en": "Clip"},
    "export.duration": {"vi": "Thời lượng bài", "en": "Clip duration"},
    "export.played": {"vi": "Thời lượng đã phát", "en": "Played"},
    "export.lateness": {"vi": "Trễ (giây)", "en": "Late (s)"},
    "export.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "export.reason": {"vi": "Lý do", "en": "Reason"},
    "export.manual": {"vi": "Phát tay", "en": "Manual"},
    "export.level": {"vi": "Mức", "en": "Level"},
    "export.actor": {"vi": "Người thực hiện", "en": "By"},
    "export.verified": {"vi": "Nghe lại ở đầu ra", "en": "Heard at the output"},
    "export.heard_lateness": {"vi": "Trễ nghe được (giây)", "en": "Heard lateness (s)"},
    "export.verify_note": {"vi": "Ghi chú giám sát", "en": "Monitor note"},
    "export.actions_sheet": {"vi": "Thao tác thủ công", "en": "Manual actions"},
    "actions.at": {"vi": "Thời điểm", "en": "When"},
    "actions.actor": {"vi": "Người thực hiện", "en": "By"},
    "actions.where": {"vi": "Từ đâu", "en": "From"},
    "actions.action": {"vi": "Thao tác", "en": "Action"},
    "actions.detail": {"vi": "Chi tiết", "en": "Detail"},
    "actions.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "action.air-now": {"vi": "phát ngay", "en": "air now"},
    "action.skip": {"vi": "bỏ qua", "en": "skip"},
    "action.reload": {"vi": "nạp lại lịch", "en": "schedule reload"},
    "action.retire": {"vi": "ngừng phát bài", "en": "retire"},
    "action.import": {"vi": "nạp bài", "en": "import"},
    "action.connect": {"vi": "kết nối điều khiển", "en": "control connection"},
    "web.actions": {"vi": "Thao tác thủ công", "en": "Manual actions"},
    "web.no_actions": {"vi": "Không có thao tác thủ công nào trong khoảng này.", "en": "No manual action in this period."},
    "export.output": {"vi": "Đầu ra", "en": "Output"},
    "export.speakers": {"vi": "Loa IP nghe trọn", "en": "IP speakers heard throughout"},
    "export.zone": {"vi": "Vùng loa", "en": "Zone"},
    "export.content_hash": {"vi": "Mã băm nội dung", "en": "Content hash"},
    "export.item": {"vi": "Mục lịch", "en": "Schedule item"},
    "export.occurrence": {"vi": "Lần phát", "en": "Occurrence"},
    "export.key": {"vi": "Khóa", "en": "Key"},
    "level.normal": {"vi": "thông thường", "en": "normal"},
    "level.priority": {"vi": "ưu tiên", "en": "priority"},
    "level.emergency": {"vi": "khẩn cấp", "en": "emergency"},
    "status.daemon": {"vi": "Trạng thái", "en": "Daemon"},
    "status.running_since": {"vi": "đang chạy từ {since}", "en": "running since {since}"},
    "status.clock_ok": {"vi": "đồng hồ đã đồng bộ NTP", "en": "clock NTP-synchronised"},
    "status.clock_unsync": {"vi": "CẢNH BÁO: đồng hồ chưa đồng bộ NTP", "en": "WARNING: clock not NTP-synchronised"},
    "status.clock_unknown": {"vi": "không rõ đồng bộ đồng hồ", "en": "clock synchronisation unknown"},
    "status.schedule_ok": {"vi": "lịch phát: {slots} khung giờ", "en": "schedule: {slots} slots"},
    "status.schedule_errors": {"vi": "lịch phát có lỗi, đang dùng bản hợp lệ trước đó", "en": "schedule has errors; the last good one is running"},
    "status.schedule_changed": {"vi": "Lịch phát đổi lúc {at}: {changes}", "en": "Schedule changed at {at}: {changes}"},
    "status.schedule_held": {
        "vi": "CẢNH BÁO: tệp lịch vừa sửa bỏ bớt phần sắp phát ({changes}); chỉ áp dụng khi tệp không đổi trong {seconds} giây, trong lúc đó lịch cũ vẫn chạy.",
        "en": "WARNING: a schedule edit drops what is due soon ({changes}); it is adopted once the files are unchanged for {seconds} s, until then the previous schedule runs.",
    },
    "schedule.change.slot_added": {"vi": "thêm khung giờ {slot}", "en": "slot {slot} added"},
    "schedule.change.slot_removed": {"vi": "bỏ khung giờ {slot}", "en": "slot {slot} removed"},
    "schedule.change.slot_changed": {"vi": "sửa khung giờ {slot}", "en": "slot {slot} changed"},
    "schedule.change.occurrence_removed": {"vi": "bỏ lượt {slot} lúc {at}", "en": "{slot} at {at} removed"},
    "schedule.change.items_fewer": {"vi": "lượt {slot} lúc {at} còn {after}/{before} mục", "en": "{slot} at {at}: {after} of {before} items left"},
    "status.zones": {"vi": "Vùng loa", "en": "Zones"},
    "status.speakers": {"vi": "Loa IP", "en": "IP speakers"},
    "status.speakers_count": {"vi": "{online} / {total} loa trực tuyến", "en": "{online} / {total} speakers online"},
    "status.unregistered": {"vi": "{count} kết nối chưa đăng ký", "en": "{count} unregistered"},
    "status.online_since": {"vi": "trực tuyến từ {since}", "en": "online since {since}"},
    "status.offline_since": {"vi": "mất kết nối từ {since}", "en": "offline since {since}"},
    "status.never_seen": {"vi": "chưa thấy kết nối", "en": "not seen yet"},
    "status.online": {"vi": "trực tuyến", "en": "online"},
    "status.offline": {"vi": "mất kết nối", "en": "offline"},
    "status.unknown": {"vi": "chưa rõ", "en": "unknown"},
    "col.speaker_zone": {"vi": "Vùng loa", "en": "Zone"},
    "col.speaker": {"vi": "Loa", "en": "Speaker"},
    "col.speaker_name": {"vi": "Tên", "en": "Name"},
    "col.place": {"vi": "Vị trí", "en": "Place"},
    "col.recognised": {"vi": "Nhận ra bằng", "en": "Recognised by"},
    "col.speakers": {"vi": "Loa IP", "en": "IP speakers"},
    "status.now_playing": {"vi": "Đang phát", "en": "Now playing"},
    "status.idle": {"vi": "(không phát)", "en": "(idle)"},
    "status.next": {"vi": "Sắp phát", "en": "Next"},
    "status.last": {"vi": "Vừa phát", "en": "Last"},
    "weekday.0": {"vi": "Thứ Hai", "en": "Monday"},
    "weekday.1": {"vi": "Thứ Ba", "en": "Tuesday"},
    "weekday.2": {"vi": "Thứ Tư", "en": "Wednesday"},
    "weekday.3": {"vi": "Thứ Năm", "en": "Thursday"},
    "weekday.4": {"vi": "Thứ Sáu", "en": "Friday"},
    "weekday.5": {"vi": "Thứ Bảy", "en": "Saturday"},
    "weekday.6": {"vi": "Chủ Nhật", "en": "Sunday"},
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
    "role.technician": {"vi": "kỹ thuật viên", "en": "technician"},
    "role.manager": {"vi": "lãnh đạo", "en": "manager"},
    "role.province": {"vi": "tỉnh", "en": "province"},
    "web.user": {"vi": "Tài khoản", "en": "Account"},
    "web.role": {"vi": "Vai trò", "en": "Role"},
    "web.created": {"vi": "Ngày tạo", "en": "Created"},
    "web.app": {"vi": "Phát thanh tự động", "en": "Radio automation"},
    "web.nav_now": {"vi": "Đang phát", "en": "Now"},
    "web.nav_week": {"vi": "Lịch tuần", "en": "Week"},
    "web.nav_library": {"vi": "Thư viện", "en": "Library"},
    "web.nav_log": {"vi": "Nhật ký", "en": "Log"},
    "web.nav_tally": {"vi": "Tổng hợp", "en": "Tally"},
    "web.nav_stations": {"vi": "Các đài", "en": "Stations"},
    "web.nav_bulletins": {"vi": "Bản tin", "en": "Bulletins"},
    "web.bulletins_from_province": {"vi": "Bản tin từ tỉnh", "en": "Bulletins from the province"},
    "web.bulletins_not_joined": {"vi": "Đài chưa kết nối với tỉnh ([province] station_id).",
                                 "en": "This station has not joined a province ([province] station_id)."},
    "web.bulletin_level": {"vi": "Mức", "en": "Level"},
    "web.bulletin_state": {"vi": "Tình trạng", "en": "State"},
    "web.bulletin_schedule": {"vi": "Xếp vào lịch", "en": "Put in the schedule"},
    "web.bulletin_air": {"vi": "Phát sau bài đang phát", "en": "Air after the current airing"},
    "web.bulletin_reject": {"vi": "Từ chối", "en": "Decline"},
    "bulletin.at": {"vi": "Lúc", "en": "At"},
    "web.nav_air": {"vi": "Phát ngay", "en": "Air now"},
    "web.menu": {"vi": "Menu", "en": "Menu"},
    "web.login": {"vi": "Đăng nhập", "en": "Log in"},
    "web.logout": {"vi": "Đăng xuất", "en": "Log out"},
    "web.name": {"vi": "Tên đăng nhập", "en": "Name"},
    "web.password": {"vi": "Mật khẩu", "en": "Password"},
    "web.language": {"vi": "English", "en": "Tiếng Việt"},
    "web.health": {"vi": "Tình trạng", "en": "Health"},
    "web.output": {"vi": "Đầu ra", "en": "Output"},
    "web.clock": {"vi": "Đồng hồ", "en": "Clock"},
    "web.schedule": {"vi": "Lịch phát", "en": "Schedule"},
    "web.station_time": {"vi": "Giờ đài", "en": "Station time"},
    "web.skip": {"vi": "Bỏ qua bài đang phát", "en": "Skip the current item"},
    "web.prev_week": {"vi": "← Tuần trước", "en": "← Previous week"},
    "web.next_week": {"vi": "Tuần sau →", "en": "Next week →"},
    "web.this_week": {"vi": "Tuần này", "en": "This week"},
    "web.hour": {"vi": "Giờ", "en": "Hour"},
    "web.nothing_planned": {"vi": "Không có lượt phát nào trong tuần này.", "en": "Nothing is planned this week."},
    "web.problems": {"vi": "Lỗi và cảnh báo của lịch phát", "en": "Schedule errors and warnings"},
    "web.search": {"vi": "Tìm", "en": "Search"},
    "web.search_hint": {"vi": "Tiêu đề, chương trình, tên tệp…", "en": "Title, programme, file name…"},
    "web.all": {"vi": "Tất cả", "en": "All"},
    "web.filter": {"vi": "Lọc", "en": "Filter"},
    "web.reset": {"vi": "Bỏ lọc", "en": "Clear"},
    "web.upload": {"vi": "Nạp bài vào thư viện", "en": "Load clips into the library"},
    "web.drop_here": {
        "vi": "Kéo thả tệp âm thanh vào đây, hoặc bấm để chọn (nhiều tệp cùng lúc)",
        "en": "Drop audio files here, or click to choose (several at once)",
    },
    "web.upload_go": {"vi": "Nạp", "en": "Load"},
    "web.upload_hint": {
        "vi": "Mọi định dạng ffmpeg đọc được; tối đa {limit} MB mỗi tệp. Âm lượng được chuẩn hóa, khoảng lặng hai đầu được cắt.",
        "en": "Any format ffmpeg reads; {limit} MB per file at most. Loudness is normalised and silence at both ends trimmed.",
    },
    "web.listen": {"vi": "Nghe", "en": "Listen"},
    "web.retire": {"vi": "Ngừng phát", "en": "Retire"},
    "web.actions": {"vi": "Thao tác", "en": "Actions"},
    "web.period_from": {"vi": "Từ ngày", "en": "From"},
    "web.period_to": {"vi": "Đến ngày", "en": "To"},
    "web.export_csv": {"vi": "Xuất CSV", "en": "Export CSV"},
    "web.export_xlsx": {"vi": "Xuất Excel", "en": "Export XLSX"},
    "web.prev": {"vi": "← Trước", "en": "← Previous"},
    "web.next": {"vi": "Sau →", "en": "Next →"},
    "web.year": {"vi": "Năm", "en": "Year"},
    "web.download_xlsx": {"vi": "Tải Excel", "en": "Download XLSX"},
    "web.download_pdf": {"vi": "Tải PDF", "en": "Download PDF"},
    "web.download_docx": {"vi": "Tải báo cáo Word", "en": "Download the Word report"},
    "web.clip": {"vi": "Bài", "en": "Clip"},
    "web.level": {"vi": "Mức ưu tiên", "en": "Level"},
    "web.level_normal_help": {
        "vi": "Phát sau khi lượt đang phát kết thúc.",
        "en": "After the current airing ends.",
    },
    "web.level_priority_help": {
        "vi": "Phát sau bài đang phát; phần còn lại của phiên bị bỏ qua và ghi vào nhật ký.",
        "en": "After the current item; the rest of that session is skipped and logged.",
    },
    "web.level_emergency_help": {
        "vi": "Phát ngay, ngắt bài đang phát.",
        "en": "At once, interrupting the current item.",
    },
    "web.air_choose": {"vi": "Tiếp tục", "en": "Continue"},
    "web.zones": {"vi": "Vùng loa", "en": "Zones"},
    "web.zones_help": {
        "vi": "Mặc định phát tới mọi vùng; bỏ chọn vùng không cần nghe. Khẩn cấp chỉ ngắt các vùng được chọn.",
        "en": "Every zone by default; untick the zones that need not hear it. An emergency interrupts only the zones chosen.",
    },
    "web.air_zones": {"vi": "Chỉ phát tới: {zones}", "en": "Only to: {zones}"},
    "web.air_confirm": {"vi": "Xác nhận phát ngay", "en": "Confirm: air now"},
    "web.cancel": {"vi": "Hủy", "en": "Cancel"},
    "web.air_title": {"vi": "Phát ngay một bài", "en": "Air a clip now"},
    "web.nav_live": {"vi": "Phát trực tiếp", "en": "Live"},
    "web.live_title": {"vi": "Phát trực tiếp từ micrô", "en": "Live from the microphone"},
    "web.live_help": {
        "vi": "Nói vào micrô của máy này; tiếng được phát ra loa ngay (chậm dưới 1 giây) và được ghi lại vào thư viện "
              "(loại thông báo), có trong nhật ký và bảng tổng hợp.",
        "en": "Speak into this computer's microphone: it airs at once (under a second late) and is recorded into the "
              "library (kind announcement), in the log and the tally.",
    },
    "web.live_zones": {"vi": "Vùng loa", "en": "Zones"},
    "web.live_all_zones": {"vi": "Tất cả các vùng", "en": "All zones"},
    "web.live_start": {"vi": "Bắt đầu phát trực tiếp", "en": "Go live"},
    "web.live_stop": {"vi": "Dừng phát", "en": "Stop"},
    "web.live_idle": {"vi": "Chưa phát.", "en": "Not live."},
    "web.live_connecting": {"vi": "Đang kết nối micrô…", "en": "Connecting the microphone…"},
    "web.live_waiting": {"vi": "Đang chờ lượt phát trước kết thúc…", "en": "Waiting for the current airing to end…"},
    "web.live_on_air": {"vi": "Đang phát trực tiếp", "en": "On air"},
    "web.live_ending": {"vi": "Đang dừng…", "en": "Stopping…"},
    "web.live_ended": {"vi": "Đã dừng; đang lưu bản ghi…", "en": "Stopped; saving the recording…"},
    "web.live_saved": {"vi": "Đã lưu vào thư viện:", "en": "Saved in the library:"},
    "web.live_failed": {"vi": "Không lưu được bản ghi:", "en": "The recording was not kept:"},
    "web.live_no_mic": {
        "vi": "Không mở được micrô ({detail}). Trang phải được mở bằng http://localhost hoặc https.",
        "en": "Cannot open the microphone ({detail}). The page must be opened as http://localhost or over https.",
    },
    "web.live_lost": {"vi": "Mất kết nối với đài ({detail}).", "en": "Lost the connection to the station ({detail})."},
    "web.live_level": {"vi": "Mức âm", "en": "Level"},
    "web.live_elapsed": {"vi": "Thời gian", "en": "Elapsed"},
    "web.air_help": {
        "vi": "Lượt phát tay được ghi vào nhật ký như mọi lượt phát khác, đánh dấu là phát tay.",
        "en": "A manual airing is logged like any other, marked manual.",
    },
    "web.manual": {"vi": "phát tay", "en": "manual"},
    "web.live": {"vi": "tự cập nhật", "en": "live"},
    "web.offline": {"vi": "mất kết nối", "en": "offline"},
    "web.filter_clips": {"vi": "Lọc danh sách bài…", "en": "Filter the clips…"},
    "web.played": {"vi": "Đã phát", "en": "Played"},
    "web.scheduled": {"vi": "Giờ theo lịch", "en": "Scheduled"},
    "web.started": {"vi": "Bắt đầu", "en": "Started"},
    "web.no_clips": {"vi": "Không có bài nào khớp bộ lọc.", "en": "No clips match the filters."},
    "web.no_rows": {"vi": "Không có lượt phát nào khớp bộ lọc.", "en": "No airings match the filters."},
    "web.uploading": {"vi": "đang tải lên", "en": "uploading"},
    "web.importing": {"vi": "đang đo và chuẩn hóa", "en": "measuring and normalising"},
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
    total = (ms + 500) // 1000
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
