"""Django's admin site is not served (kechuang/urls.py has no admin URLs) and nothing is registered here.

It used to be the system administrator's account pages, but its ModelAdmin saves write rows directly:
a second path beside the services that could grant roles in one step, set passwords without forcing
their change, and bypass the two-person role grant. 三员分立 needs one path, so accounts are managed on
the application's own pages (kechuang/core/views_accounts.py: /sysadmin/ for the system administrator,
/security/ for the security administrators), every write through kechuang/core/services.py."""
