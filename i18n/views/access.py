"""Labels of logging in, the account page, the admin pages and access notices: keys start with "login.",
"account.", "admin.", "password." or "access."."""

LABELS: dict[str, dict[str, str]] = {
    "login.title": {"zh": "登录", "en": "Log in"},
    "login.username": {"zh": "用户名", "en": "User name"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Log in"},
    "login.missing": {"zh": "请输入用户名和密码。", "en": "Enter your user name and password."},
    # One message for a wrong name and a wrong password, so the page does not tell which names exist.
    "login.wrong": {"zh": "用户名或密码错误。", "en": "Wrong user name or password."},
    "login.locked": {"zh": "登录失败次数过多，账号已锁定至 {until}。", "en": "Too many failed logins: the account is locked until {until}."},
    "login.throttled": {"zh": "尝试过于频繁，请稍后再试。", "en": "Too many attempts: try again shortly."},
    "login.directory_unreachable": {"zh": "统一身份认证（LDAP）暂时无法连接，请稍后再试或联系管理员。",
                                    "en": "The directory (LDAP) cannot be reached: try again shortly or ask an administrator."},
    "login.logged_out": {"zh": "已退出登录。", "en": "You are logged out."},
    "login.device_link": {"zh": "大屏设备配对", "en": "Pair a wall device"},
    "login.device_title": {"zh": "大屏设备配对", "en": "Pair this wall"},
    "login.device_help": {"zh": "输入管理员在“设备”页面生成的一次性配对码。配对后本浏览器将持续显示该设备的大屏，无需登录。",
                          "en": "Type the one-time pairing code an administrator made on the Devices page. This "
                                "browser then shows the device's wall with no one logged in."},
    "login.device_code": {"zh": "配对码", "en": "Pairing code"},
    "login.device_submit": {"zh": "配对", "en": "Pair"},
    "login.device_wrong": {"zh": "配对码无效或已过期。", "en": "The pairing code is wrong or has expired."},
    "login.back": {"zh": "返回登录", "en": "Back to logging in"},
    "login.notice": {"zh": "仅限授权人员使用。所有登录与操作均记入安全审计。",
                     "en": "For authorised staff only. Every login and action is recorded in the audit trail."},
    "access.logout": {"zh": "退出", "en": "Log out"},
    "access.account": {"zh": "账号", "en": "Account"},
    "access.admin": {"zh": "管理", "en": "Admin"},
    "access.signed_in": {"zh": "{name}（{role}）", "en": "{name} ({role})"},
    "access.device": {"zh": "大屏设备 {name}", "en": "Wall device {name}"},
    "access.role.viewer": {"zh": "查看", "en": "viewer"},
    "access.role.leader": {"zh": "领导", "en": "leader"},
    "access.role.analyst": {"zh": "分析", "en": "analyst"},
    "access.role.admin": {"zh": "管理员", "en": "admin"},
    "access.area_refused": {
        "zh": "您的账号无权查看区域 {code}，已显示您的区域 {fallback}。",
        "en": "Your account may not see area {code}; showing your area, {fallback}, instead.",
    },
    "access.no_area": {
        "zh": "您的账号尚未分配任何区域，因此看不到数据。请联系管理员。",
        "en": "Your account has no area yet, so it sees no data. Ask an administrator.",
    },
    "password.too_short": {"zh": "密码至少 {min_length} 位。", "en": "At least {min_length} characters."},
    "password.too_few_classes": {"zh": "密码需包含大写字母、小写字母、数字、符号中的至少 {min_classes} 类。",
                                 "en": "At least {min_classes} of: upper case, lower case, digits, symbols."},
    "password.contains_username": {"zh": "密码不能包含用户名。", "en": "The password may not contain the user name."},
    # Personal data by role (i10-personal): what a principal without personal_data sees instead.
    "access.personal_data.track": {
        "zh": "查看个人轨迹需要“个人信息”权限，请联系管理员。",
        "en": "An individual's track needs the personal-data permission; ask an administrator.",
    },
    "access.personal_data.picker": {
        "zh": "查看个人轨迹需要“个人信息”权限",
        "en": "Individual tracks need the personal-data permission",
    },
    "access.personal_data.map_note": {
        "zh": "圆点：网格员的最后定位（无“个人信息”权限，不显示姓名、编号和轨迹）；底色：今日未巡查网格数。",
        "en": "Dots: workers' last positions (without the personal-data permission: no names, ids or tracks); "
              "fill: grids not patrolled today.",
    },
}
